package dev.agentharness.runtime.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** From the four R2 variables (or S3_ENDPOINT) to an endpoint, a region and an addressing style. */
class S3SettingsTest {

    private static final String SECRET = "r2-secret-value-never-printed";

    @Test
    void theFourR2VariablesGiveTheAccountEndpointRegionAutoAndVirtualHosts() {
        S3Settings s = S3Settings.resolve("0123abcd", "AKID", SECRET, "agent-artifacts", null, null).settings().orElseThrow();
        assertEquals("https://0123abcd.r2.cloudflarestorage.com", s.endpoint().toString());
        assertEquals("auto", s.region());
        assertEquals("r2", s.kind());
        assertFalse(s.pathStyle());
    }

    @Test
    void s3EndpointWinsAndSwitchesToPathStyle() {
        S3Settings s = S3Settings.resolve("0123abcd", "AKID", SECRET, "b", "http://127.0.0.1:9000", null)
                .settings().orElseThrow();
        assertEquals("http://127.0.0.1:9000", s.endpoint().toString());
        assertEquals("s3", s.kind());
        assertTrue(s.pathStyle());
        assertEquals("us-east-1", s.region());
    }

    @Test
    void nothingSetMeansTheLocalStoreWithoutComplaint() {
        var resolution = S3Settings.resolve(null, "", " ", null, null, null);
        assertTrue(resolution.settings().isEmpty());
        assertTrue(resolution.problems().isEmpty());
    }

    @Test
    void aPartialConfigurationNamesTheMissingVariablesAndNoValues() {
        var resolution = S3Settings.resolve("0123abcd", "AKID-VISIBLE", null, null, null, null);
        assertTrue(resolution.settings().isEmpty());
        assertEquals("missing R2_SECRET_ACCESS_KEY, R2_BUCKET", String.join("; ", resolution.problems()));
        assertFalse(resolution.problems().toString().contains("AKID-VISIBLE"));
    }

    @Test
    void anEndpointWithCredentialsInItIsRefused() {
        var resolution = S3Settings.resolve(null, "AKID", SECRET, "b", "http://user:pw@127.0.0.1:9000", null);
        assertTrue(resolution.settings().isEmpty());
        assertFalse(resolution.problems().toString().contains("pw"));
    }

    @Test
    void toStringNeverShowsTheKeys() {
        String shown = S3Settings.resolve("0123abcd", "AKID-HIDDEN", SECRET, "b", null, null).settings().orElseThrow().toString();
        assertFalse(shown.contains(SECRET), shown);
        assertFalse(shown.contains("AKID-HIDDEN"), shown);
    }
}
