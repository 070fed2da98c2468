package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** CPU and memory for a sandbox, as Kubernetes quantities. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxResources {

    static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$";

    @Pattern(QUANTITY)
    @JsonPropertyDescription("e.g. 500m or 2.")
    private String cpu;

    @Pattern(QUANTITY)
    @JsonPropertyDescription("e.g. 512Mi or 2Gi.")
    private String memory;

    public String getCpu() {
        return cpu;
    }

    public void setCpu(String cpu) {
        this.cpu = cpu;
    }

    public String getMemory() {
        return memory;
    }

    public void setMemory(String memory) {
        this.memory = memory;
    }
}
