package dev.agentharness.api.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A portable description of a sandbox workspace (SPEC §8), as normalised by {@link ManifestValidator}.
 *
 * <p><b>Capabilities replace, they do not add.</b> Without {@code capabilities} a sandbox gets
 * {@link #DEFAULT_CAPABILITIES}; a given list is used <em>instead</em> — {@code ["shell"]} means no
 * file tools. This is the Agents SDK's rule, kept for portability.
 *
 * @param root         absolute, normalised path of the workspace inside the sandbox
 * @param entries      workspace-relative normalised path → entry, sorted by path
 * @param capabilities what the model may do in the sandbox
 */
public record Manifest(String root, Map<String, ManifestEntry> entries, List<String> capabilities, Network network) {

    public static final String DEFAULT_ROOT = "/workspace";
    public static final List<String> DEFAULT_CAPABILITIES = List.of("filesystem", "shell", "compaction");

    public Manifest {
        root = root == null ? DEFAULT_ROOT : root;
        entries = entries == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(entries));
        capabilities = capabilities == null ? DEFAULT_CAPABILITIES : List.copyOf(capabilities);
        network = network == null ? Network.NONE : network;
    }

    public boolean hasCapability(String capability) {
        return capabilities.contains(capability);
    }

    /** The canonical JSON object (every default explicit, entries sorted), the input of the digest. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("root", root);
        Map<String, Object> entryJson = new TreeMap<>();
        entries.forEach((path, entry) -> entryJson.put(path, entry.toJson()));
        json.put("entries", entryJson);
        json.put("capabilities", capabilities);
        json.put("network", Map.of("egress", network.egress()));
        return json;
    }
}
