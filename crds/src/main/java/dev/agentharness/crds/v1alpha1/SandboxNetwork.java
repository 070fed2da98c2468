package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

import java.util.List;

/** The sandbox's network allowlist. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxNetwork {

    /** A lower-case DNS host name (the harness's rule for egress hosts). */
    public static final String HOST = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$";

    @Size(max = 64)
    @JsonPropertyDescription("Host names the sandbox may connect to, e.g. pypi.org; empty = no network.")
    private List<@Pattern(HOST) String> egress;

    public SandboxNetwork() {
    }

    public SandboxNetwork(List<String> egress) {
        this.egress = egress;
    }

    public List<String> getEgress() {
        return egress;
    }

    public void setEgress(List<String> egress) {
        this.egress = egress;
    }
}
