package dev.agentharness.operator.sandboxmanifest;

import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.api.sandbox.ManifestValidation;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.crds.v1alpha1.ManifestEntrySpec;
import dev.agentharness.crds.v1alpha1.SandboxManifestSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A SandboxManifest's spec as the harness's portable manifest JSON (SPEC §8), checked by the
 * harness's own {@link ManifestValidator} — shared code from {@code harness-api}, so the operator
 * accepts exactly what the harness accepts. Problems are named in the resource's terms
 * ({@code spec.entries['../x']}, {@code readOnly}).
 *
 * @param manifest the JSON object to send as {@code manifest} in {@code POST /runs}; null when invalid
 * @param digest   {@code sha256:<hex>} of the normalised manifest; null when invalid
 * @param problems every problem found; empty when valid
 */
public record PortableManifest(Map<String, Object> manifest, String digest, List<String> problems) {

    public boolean valid() {
        return problems.isEmpty();
    }

    /** One line for a condition message. */
    public String summary() {
        return valid() ? "valid" : String.join("; ", problems);
    }

    public static PortableManifest of(SandboxManifestSpec spec) {
        if (spec == null) {
            return new PortableManifest(null, null, List.of("spec: is required"));
        }
        List<String> problems = new ArrayList<>(unsupported(spec));
        Map<String, Object> json = json(spec);
        ManifestValidation validation = ManifestValidator.validate(json);
        for (ManifestProblem problem : validation.problems()) {
            problems.add("spec." + problem.field().replace("read_only", "readOnly") + ": "
                    + problem.message().replace("read_only", "readOnly"));
        }
        if (!problems.isEmpty()) {
            return new PortableManifest(null, null, List.copyOf(problems));
        }
        return new PortableManifest(json, validation.digest(), List.of());
    }

    /**
     * Fields of SPEC §9 the harness cannot honour yet: it runs every sandbox on its configured
     * SANDBOX_PROVIDER and takes no template, image or resources per run. Refused, never ignored.
     */
    private static List<String> unsupported(SandboxManifestSpec spec) {
        List<String> problems = new ArrayList<>();
        String why = " is not supported yet: the harness runs every sandbox on its configured SANDBOX_PROVIDER; "
                + "remove the field";
        if (spec.getProvider() != null) {
            problems.add("spec.provider: choosing the provider per manifest" + why);
        }
        if (spec.getTemplate() != null) {
            problems.add("spec.template: a provider template per manifest" + why);
        }
        if (spec.getImage() != null) {
            problems.add("spec.image: an image per manifest" + why);
        }
        if (spec.getResources() != null) {
            problems.add("spec.resources: resources per manifest" + why);
        }
        return problems;
    }

    /** The harness's JSON field names; entries sorted so the same spec always gives the same bytes. */
    static Map<String, Object> json(SandboxManifestSpec spec) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (spec.getRoot() != null) {
            json.put("root", spec.getRoot());
        }
        if (spec.getEntries() != null) {
            Map<String, Object> entries = new TreeMap<>();
            spec.getEntries().forEach((path, entry) -> entries.put(path, entry == null ? null : entry(entry)));
            json.put("entries", entries);
        }
        if (spec.getCapabilities() != null) {
            json.put("capabilities", spec.getCapabilities().stream()
                    .map(c -> c == null ? null : c.wire()).collect(Collectors.toList()));
        }
        if (spec.getNetwork() != null) {
            Map<String, Object> network = new LinkedHashMap<>();
            if (spec.getNetwork().getEgress() != null) {
                network.put("egress", new ArrayList<>(spec.getNetwork().getEgress()));
            }
            json.put("network", network);
        }
        return json;
    }

    private static Map<String, Object> entry(ManifestEntrySpec entry) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (entry.getType() != null) {
            json.put("type", entry.getType().wire());
        }
        putIfSet(json, "content", entry.getContent());
        putIfSet(json, "host", entry.getHost());
        putIfSet(json, "repo", entry.getRepo());
        putIfSet(json, "ref", entry.getRef());
        putIfSet(json, "subpath", entry.getSubpath());
        putIfSet(json, "bucket", entry.getBucket());
        putIfSet(json, "prefix", entry.getPrefix());
        putIfSet(json, "read_only", entry.getReadOnly());
        return json;
    }

    private static void putIfSet(Map<String, Object> json, String name, Object value) {
        if (value != null) {
            json.put(name, value);
        }
    }
}
