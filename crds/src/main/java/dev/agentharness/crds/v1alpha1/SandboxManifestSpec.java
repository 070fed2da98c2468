package dev.agentharness.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

import java.util.List;
import java.util.Map;

/**
 * The portable manifest (SPEC §8: {@code root}, {@code entries}, {@code capabilities},
 * {@code network.egress}) plus where and how the sandbox runs. Field names follow Kubernetes
 * conventions ({@code readOnly}); the operator translates them to the harness's JSON.
 *
 * <p><b>Capabilities replace, they do not add</b>: without {@code capabilities} a sandbox gets
 * filesystem, shell and compaction; a given list is used instead — {@code [shell]} means no
 * file tools.
 */
@JsonClassDescription("The portable manifest (root, entries, capabilities, network.egress) plus where and how the sandbox "
        + "runs. Capabilities replace the defaults, they do not add to them.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SandboxManifestSpec {

    @Pattern("^/.*$")
    @Size(max = 4096)
    @JsonPropertyDescription("Absolute path of the workspace inside the sandbox (default /workspace).")
    private String root;

    @Size(max = 256)
    @JsonPropertyDescription("What the workspace holds, keyed by workspace-relative path (no leading /, no ..).")
    private Map<String, ManifestEntrySpec> entries;

    @Size(max = 5)
    @JsonPropertyDescription("What the model may do in the sandbox. REPLACES the default "
            + "[filesystem, shell, compaction]: [shell] means no file tools.")
    private List<Capability> capabilities;

    @JsonPropertyDescription("What the sandbox may reach on the network; nothing when absent.")
    private SandboxNetwork network;

    @JsonPropertyDescription("Sandbox provider. Not yet selectable per manifest: the harness uses its "
            + "SANDBOX_PROVIDER, and a manifest that sets this is reported Invalid.")
    private SandboxProviderName provider;

    @Size(max = 253)
    @JsonPropertyDescription("Provider template (E2B). Not yet supported: reported Invalid when set.")
    private String template;

    @Size(max = 512)
    @JsonPropertyDescription("Container image (kubernetes provider). Not yet supported: reported Invalid when set.")
    private String image;

    @Min(1)
    @Max(AgentRunSpec.MAX_TIMEOUT_SECONDS)
    @JsonPropertyDescription("Longest life of a sandbox built from this manifest: a run using it gets at most this "
            + "timeout (the smaller of this and the AgentRun's timeoutSeconds).")
    private Integer timeoutSeconds;

    @JsonPropertyDescription("CPU and memory for the sandbox. Not yet supported: reported Invalid when set.")
    private SandboxResources resources;

    public String getRoot() {
        return root;
    }

    public void setRoot(String root) {
        this.root = root;
    }

    public Map<String, ManifestEntrySpec> getEntries() {
        return entries;
    }

    public void setEntries(Map<String, ManifestEntrySpec> entries) {
        this.entries = entries;
    }

    public List<Capability> getCapabilities() {
        return capabilities;
    }

    public void setCapabilities(List<Capability> capabilities) {
        this.capabilities = capabilities;
    }

    public SandboxNetwork getNetwork() {
        return network;
    }

    public void setNetwork(SandboxNetwork network) {
        this.network = network;
    }

    public SandboxProviderName getProvider() {
        return provider;
    }

    public void setProvider(SandboxProviderName provider) {
        this.provider = provider;
    }

    public String getTemplate() {
        return template;
    }

    public void setTemplate(String template) {
        this.template = template;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public Integer getTimeoutSeconds() {
        return timeoutSeconds;
    }

    public void setTimeoutSeconds(Integer timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    public SandboxResources getResources() {
        return resources;
    }

    public void setResources(SandboxResources resources) {
        this.resources = resources;
    }
}
