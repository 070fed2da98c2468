package dev.agentharness.operator.sandboxmanifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.crds.v1alpha1.Capability;
import dev.agentharness.crds.v1alpha1.ManifestEntrySpec;
import dev.agentharness.crds.v1alpha1.ManifestEntryType;
import dev.agentharness.crds.v1alpha1.SandboxManifestSpec;
import dev.agentharness.crds.v1alpha1.SandboxNetwork;
import dev.agentharness.crds.v1alpha1.SandboxResources;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The CR spec ↔ the harness's portable manifest, validated by the harness's own validator. */
class PortableManifestTest {

    @Test
    void theCrdsCapabilityEnumIsTheValidatorsList() {
        assertEquals(new TreeSet<>(ManifestValidator.KNOWN_CAPABILITIES),
                new TreeSet<>(Arrays.stream(Capability.values()).map(Capability::wire).toList()));
    }

    @Test
    void translatesFieldNamesAndValidatesLikeTheHarness() {
        SandboxManifestSpec spec = new SandboxManifestSpec();
        Map<String, ManifestEntrySpec> entries = new LinkedHashMap<>();
        ManifestEntrySpec repo = new ManifestEntrySpec();
        repo.setType(ManifestEntryType.GIT_REPO);
        repo.setHost("github.com");
        repo.setRepo("acme/tools");
        repo.setRef("v1.2");
        entries.put("tools", repo);
        ManifestEntrySpec mount = new ManifestEntrySpec();
        mount.setType(ManifestEntryType.R2_MOUNT);
        mount.setBucket("knowledge");
        mount.setReadOnly(true);
        entries.put("kb", mount);
        spec.setEntries(entries);
        spec.setNetwork(new SandboxNetwork(List.of("github.com")));
        spec.setCapabilities(List.of(Capability.SHELL));
        spec.setRoot("/work");
        PortableManifest manifest = PortableManifest.of(spec);
        assertTrue(manifest.valid(), manifest.summary());
        assertEquals(Map.of("root", "/work",
                "entries", Map.of("tools", Map.of("type", "git_repo", "host", "github.com", "repo", "acme/tools", "ref", "v1.2"),
                        "kb", Map.of("type", "r2_mount", "bucket", "knowledge", "read_only", true)),
                "capabilities", List.of("shell"),
                "network", Map.of("egress", List.of("github.com"))), manifest.manifest());
        assertEquals(ManifestValidator.validate(manifest.manifest()).digest(), manifest.digest());
    }

    @Test
    void problemsAreNamedInTheResourcesTerms() {
        SandboxManifestSpec spec = new SandboxManifestSpec();
        ManifestEntrySpec mount = new ManifestEntrySpec();
        mount.setType(ManifestEntryType.S3_MOUNT);
        mount.setBucket("Not_A_Bucket");
        spec.setEntries(Map.of("/abs", ManifestEntrySpec.file("x"), "m", mount));
        PortableManifest manifest = PortableManifest.of(spec);
        assertNull(manifest.manifest());
        assertNull(manifest.digest());
        assertTrue(manifest.problems().contains("spec.entries['/abs']: must be relative to the workspace root, not absolute"),
                manifest.problems().toString());
        assertTrue(manifest.summary().contains("spec.entries['m'].bucket: must be a bucket name"), manifest.summary());
    }

    @Test
    void unsupportedFieldsAreRefused() {
        SandboxManifestSpec spec = new SandboxManifestSpec();
        spec.setTemplate("python-3.12");
        spec.setImage("python:3.12");
        spec.setResources(new SandboxResources());
        PortableManifest manifest = PortableManifest.of(spec);
        assertEquals(3, manifest.problems().size(), manifest.problems().toString());
        assertTrue(manifest.problems().getFirst().startsWith("spec.template:"));
    }
}
