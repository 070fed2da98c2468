package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The last golden-set evaluation of a candidate version, as the harness reported it (bounded in size). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentEvaluationStatus {

    /** Most failing cases listed. */
    public static final int MAX_FAILED_CASES = 10;

    @JsonPropertyDescription("The harness's evaluation id (GET /agents/{name}/evaluations/{id} has every detail).")
    private String id;

    @JsonPropertyDescription("The version evaluated (sha256:…).")
    private String version;

    @JsonPropertyDescription("running, passed, failed or error.")
    private String result;

    @JsonPropertyDescription("Cases in the golden set.")
    private Integer cases;

    @JsonPropertyDescription("Cases that passed.")
    private Integer passed;

    @JsonPropertyDescription("passed / cases, as a decimal string, e.g. \"0.95\".")
    private String passRate;

    @JsonPropertyDescription("The pass rate the candidate had to reach, as a decimal string.")
    private String threshold;

    @JsonPropertyDescription("Failing cases, regressions first: '<case id>: <why>' (at most 10, each cut at 200 "
            + "characters).")
    private List<String> failedCases;

    @JsonPropertyDescription("When the evaluation started (RFC 3339).")
    private String startTime;

    @JsonPropertyDescription("When it finished (RFC 3339).")
    private String completionTime;

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }

    public String getResult() {
        return result;
    }

    public void setResult(String result) {
        this.result = result;
    }

    public Integer getCases() {
        return cases;
    }

    public void setCases(Integer cases) {
        this.cases = cases;
    }

    public Integer getPassed() {
        return passed;
    }

    public void setPassed(Integer passed) {
        this.passed = passed;
    }

    public String getPassRate() {
        return passRate;
    }

    public void setPassRate(String passRate) {
        this.passRate = passRate;
    }

    public String getThreshold() {
        return threshold;
    }

    public void setThreshold(String threshold) {
        this.threshold = threshold;
    }

    public List<String> getFailedCases() {
        return failedCases;
    }

    public void setFailedCases(List<String> failedCases) {
        this.failedCases = failedCases;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }

    public String getCompletionTime() {
        return completionTime;
    }

    public void setCompletionTime(String completionTime) {
        this.completionTime = completionTime;
    }
}
