package dev.agentharness.api.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, Object> json(String text) {
        try {
            return JSON.readValue(text.replace('\'', '"'), new TypeReference<>() { });
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    @Test
    void anEmptyManifestGetsEveryDefault() {
        ManifestValidation v = ManifestValidator.validate(Map.of());
        assertTrue(v.valid(), v.summary());
        assertEquals("/workspace", v.manifest().root());
        assertEquals(List.of("filesystem", "shell", "compaction"), v.manifest().capabilities());
        assertEquals(List.of(), v.manifest().network().egress());
        assertEquals(Map.of(), v.manifest().entries());
        assertEquals("valid", v.summary());
    }

    @Test
    void aGivenCapabilityListReplacesTheDefaultInsteadOfAddingToIt() {
        Manifest m = ManifestValidator.validate(json("{'capabilities':['shell']}")).manifest();
        assertEquals(List.of("shell"), m.capabilities());
        assertFalse(m.hasCapability("filesystem"));
        assertEquals(List.of(), ManifestValidator.validate(json("{'capabilities':[]}")).manifest().capabilities());
    }

    @Test
    void pathsAndRootAreNormalised() {
        Manifest m = ManifestValidator.validate(json("""
                {'root':'//work//space/','entries':{
                  'inputs//./notes.txt':{'type':'file','content':'a b c'},
                  'outputs/':{'type':'dir'},
                  'a/../b':{'type':'dir'},
                  'data':{'type':'r2_mount','bucket':'my-bucket','prefix':'runs/{session_id}/{run_id}/'}},
                 'network':{'egress':['PyPI.org','pypi.org']}}""")).manifest();
        assertEquals("/work/space", m.root());
        assertEquals(List.of("a", "b", "data", "inputs/notes.txt", "outputs").stream().filter(m.entries()::containsKey).toList(),
                List.of("b", "data", "inputs/notes.txt", "outputs"));
        assertEquals(new ManifestEntry.File("a b c"), m.entries().get("inputs/notes.txt"));
        ManifestEntry.BucketMount mount = (ManifestEntry.BucketMount) m.entries().get("data");
        assertTrue(mount.readOnly(), "mounts are read-only unless they say otherwise");
        assertEquals("runs/ses_1/run_2/", mount.resolvedPrefix("run_2", "ses_1"));
        assertEquals(List.of("pypi.org"), m.network().egress());
    }

    @Test
    void manifestsThatMeanTheSameHaveTheSameDigest() {
        String a = ManifestValidator.validate(json(
                "{'entries':{'x/./y':{'type':'file','content':'1'},'d':{'type':'dir'}}}")).digest();
        String b = ManifestValidator.validate(json(
                "{'capabilities':['filesystem','shell','compaction'],'root':'/workspace/','network':{'egress':[]},"
                        + "'entries':{'d':{'type':'dir'},'x/y':{'type':'file','content':'1'}}}")).digest();
        String c = ManifestValidator.validate(json("{'entries':{'x/y':{'type':'file','content':'2'}}}")).digest();
        assertTrue(a.matches("sha256:[0-9a-f]{64}"), a);
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    static Stream<Arguments> invalidManifests() {
        return Stream.of(
                Arguments.of("absolute entry key", "{'entries':{'/etc/passwd':{'type':'file','content':'x'}}}",
                        "entries['/etc/passwd']: must be relative to the workspace root, not absolute"),
                Arguments.of("escaping entry key", "{'entries':{'a/../../x':{'type':'dir'}}}",
                        "entries['a/../../x']: escapes the workspace with '..'"),
                Arguments.of("key naming the root", "{'entries':{'./':{'type':'dir'}}}",
                        "entries['./']: names the workspace root itself"),
                Arguments.of("duplicate after normalisation", "{'entries':{'a/b':{'type':'dir'},'a//b/':{'type':'dir'}}}",
                        "names the same path 'a/b' as entries["),
                Arguments.of("file inside a file", "{'entries':{'a':{'type':'file','content':''},'a/b':{'type':'dir'}}}",
                        "entries['a/b']: lies inside entries['a'], which is a file, not a dir"),
                Arguments.of("file inside a mount", "{'entries':{'m':{'type':'s3_mount','bucket':'bkt'},'m/x/y':{'type':'file','content':''}}}",
                        "entries['m/x/y']: lies inside entries['m'], which is a s3_mount, not a dir"),
                Arguments.of("unknown entry type", "{'entries':{'a':{'type':'symlink'}}}",
                        "entries['a'].type: must be one of dir, file, git_repo, r2_mount, s3_mount"),
                Arguments.of("unknown entry field", "{'entries':{'a':{'type':'dir','mode':'0777'}}}",
                        "entries['a'].mode: unknown field for a dir entry"),
                Arguments.of("file without content", "{'entries':{'a':{'type':'file'}}}",
                        "entries['a'].content: is required"),
                Arguments.of("content not a string", "{'entries':{'a':{'type':'file','content':42}}}",
                        "entries['a'].content: must be a string"),
                Arguments.of("access key on a mount", "{'entries':{'m':{'type':'r2_mount','bucket':'bkt','access_key_id':'AKIAXXXX'}}}",
                        "entries['m'].access_key_id: credentials are not allowed in a manifest"),
                Arguments.of("secret on a mount", "{'entries':{'m':{'type':'s3_mount','bucket':'bkt','secret_access_key':'s3cr3t'}}}",
                        "entries['m'].secret_access_key: credentials are not allowed"),
                Arguments.of("session token", "{'entries':{'m':{'type':'s3_mount','bucket':'bkt','session_token':'t'}}}",
                        "entries['m'].session_token: credentials are not allowed"),
                Arguments.of("azure account key", "{'entries':{'m':{'type':'r2_mount','bucket':'bkt','account_key':'k'}}}",
                        "entries['m'].account_key: credentials are not allowed"),
                Arguments.of("password on a git repo", "{'network':{'egress':['github.com']},'entries':{'r':{'type':'git_repo','repo':'a/b','password':'p'}}}",
                        "entries['r'].password: credentials are not allowed"),
                Arguments.of("token on a git repo", "{'network':{'egress':['github.com']},'entries':{'r':{'type':'git_repo','repo':'a/b','token':'ghp_x'}}}",
                        "entries['r'].token: credentials are not allowed"),
                Arguments.of("unknown placeholder", "{'entries':{'m':{'type':'r2_mount','bucket':'bkt','prefix':'{user}/x'}}}",
                        "entries['m'].prefix: unknown placeholder '{user}'"),
                Arguments.of("escaping prefix", "{'entries':{'m':{'type':'r2_mount','bucket':'bkt','prefix':'a/../b'}}}",
                        "entries['m'].prefix: must be a relative key prefix without '..'"),
                Arguments.of("bad bucket", "{'entries':{'m':{'type':'r2_mount','bucket':'My_Bucket'}}}",
                        "entries['m'].bucket: must be a bucket name"),
                Arguments.of("read_only not boolean", "{'entries':{'m':{'type':'r2_mount','bucket':'bkt','read_only':'yes'}}}",
                        "entries['m'].read_only: must be true or false"),
                Arguments.of("git repo without egress", "{'entries':{'src':{'type':'git_repo','repo':'octo/demo'}}}",
                        "entries['src']: a git_repo is cloned inside the sandbox and needs network access to github.com"),
                Arguments.of("git repo bad name", "{'network':{'egress':['github.com']},'entries':{'src':{'type':'git_repo','repo':'octo'}}}",
                        "entries['src'].repo: must be 'owner/name'"),
                Arguments.of("git ref looking like an option", "{'network':{'egress':['github.com']},'entries':{'src':{'type':'git_repo','repo':'a/b','ref':'--upload-pack=x'}}}",
                        "entries['src'].ref: must be a tag, branch or commit name"),
                Arguments.of("git subpath escaping", "{'network':{'egress':['github.com']},'entries':{'src':{'type':'git_repo','repo':'a/b','subpath':'../x'}}}",
                        "entries['src'].subpath: escapes the workspace"),
                Arguments.of("relative root", "{'root':'workspace'}", "root: must be an absolute path"),
                Arguments.of("root is /", "{'root':'/'}", "root: must not be '/'"),
                Arguments.of("root with ..", "{'root':'/workspace/../etc'}", "root: must be a plain absolute path"),
                Arguments.of("unknown capability", "{'capabilities':['filesystem','shell','internet']}",
                        "capabilities[2]: unknown capability"),
                Arguments.of("capability twice", "{'capabilities':['shell','shell']}",
                        "capabilities[1]: 'shell' is listed twice"),
                Arguments.of("capabilities not a list", "{'capabilities':'shell'}", "capabilities: must be a list"),
                Arguments.of("bad egress host", "{'network':{'egress':['http://evil.example/']}}",
                        "network.egress[0]: must be a host name"),
                Arguments.of("unknown network field", "{'network':{'ingress':[]}}", "network.ingress: unknown field"),
                Arguments.of("unknown top-level field", "{'environment':{'A':'b'}}",
                        "environment: unknown field (allowed: capabilities, entries, network, root, version)"),
                Arguments.of("entries not an object", "{'entries':['a']}", "entries: must be an object"),
                Arguments.of("entry not an object", "{'entries':{'a':'file'}}", "entries['a']: must be an object with a 'type'"),
                Arguments.of("version 2", "{'version':2}", "version: only version 1 exists"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidManifests")
    void invalidManifestsAreRejectedNamingTheField(String name, String manifest, String expected) {
        ManifestValidation v = ManifestValidator.validate(json(manifest));
        assertFalse(v.valid());
        assertNull(v.manifest());
        assertNull(v.digest());
        assertTrue(v.summary().startsWith("invalid manifest: "), v.summary());
        assertTrue(v.summary().contains(expected), () -> "expected '" + expected + "' in: " + v.summary());
    }

    @Test
    void credentialValuesAreNeverEchoed() {
        ManifestValidation v = ManifestValidator.validate(json("{'entries':{'m':{'type':'s3_mount','bucket':'bkt',"
                + "'access_key_id':'AKIAEXAMPLEKEYID','secret_access_key':'wJalrXUtnFEMI/K7MDENG'}}}"));
        assertFalse(v.summary().contains("AKIAEXAMPLEKEYID"), v.summary());
        assertFalse(v.summary().contains("wJalrXUtnFEMI"), v.summary());
        assertEquals(2, v.problems().size(), v.summary());
    }

    @Test
    void everyProblemIsReportedNotOnlyTheFirst() {
        ManifestValidation v = ManifestValidator.validate(json(
                "{'root':'x','entries':{'/a':{'type':'dir'},'../b':{'type':'dir'}},'capabilities':['nope']}"));
        assertEquals(4, v.problems().size(), v.summary());
    }

    @Test
    void fileContentsHaveATotalLimit() {
        String big = "x".repeat(ManifestValidator.MAX_FILE_CONTENT_BYTES / 2 + 1);
        ManifestValidation v = ManifestValidator.validate(Map.of("entries", Map.of(
                "a", Map.of("type", "file", "content", big), "b", Map.of("type", "file", "content", big))));
        assertTrue(v.summary().contains("entries: file contents total"), v.summary());
    }

    @Test
    void theNumberOfEntriesIsCapped() {
        Map<String, Object> entries = new java.util.LinkedHashMap<>();
        for (int i = 0; i < ManifestValidator.MAX_ENTRIES; i++) {
            entries.put("d" + i, Map.of("type", "dir"));
        }
        assertTrue(ManifestValidator.validate(Map.of("entries", entries)).valid(), "exactly the cap is allowed");

        entries.put("one-more", Map.of("type", "dir"));
        ManifestValidation v = ManifestValidator.validate(Map.of("entries", entries));

        assertEquals(1, v.problems().size(), v.summary());
        assertEquals("entries", v.problems().getFirst().field());
        assertTrue(v.summary().contains("lists 1001 entries; at most 1000"), v.summary());
    }

    @Test
    void theNumberOfMountsIsCapped() {
        Map<String, Object> entries = new java.util.LinkedHashMap<>();
        for (int i = 0; i < ManifestValidator.MAX_MOUNTS; i++) {
            entries.put("m" + i, Map.of("type", i % 2 == 0 ? "r2_mount" : "s3_mount", "bucket", "inputs-bucket"));
        }
        assertTrue(ManifestValidator.validate(Map.of("entries", entries)).valid(),
                ManifestValidator.validate(Map.of("entries", entries)).summary());

        entries.put("m-extra", Map.of("type", "s3_mount", "bucket", "inputs-bucket"));
        ManifestValidation v = ManifestValidator.validate(Map.of("entries", entries));

        assertEquals("entries", v.problems().getFirst().field(), v.summary());
        assertTrue(v.summary().contains("lists 17 r2_mount/s3_mount entries; at most 16"), v.summary());
    }

    @Test
    void nonStringJsonKeysAndNullsNeverThrow() {
        java.util.HashMap<String, Object> weird = new java.util.HashMap<>();
        weird.put("entries", null);
        weird.put("root", null);
        assertTrue(ManifestValidator.validate(weird).valid());
        assertFalse(ManifestValidator.validate(null).valid());
        assertFalse(ManifestValidator.validate(Map.of("entries", Map.of("a", Map.of("type", 7)))).valid());
    }
}
