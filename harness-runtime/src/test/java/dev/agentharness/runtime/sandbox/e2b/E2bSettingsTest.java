package dev.agentharness.runtime.sandbox.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** E2B_* variables → settings: defaults, URLs, and a key that never shows. */
class E2bSettingsTest {

    static final String KEY = "e2b_secret_4f2a9c";

    @Test
    void defaultsFollowTheSdk() {
        E2bSettings settings = E2bSettings.resolve(KEY, null, null, null, null, null).settings().orElseThrow();
        assertEquals("e2b.app", settings.domain());
        assertEquals(URI.create("https://api.e2b.app"), settings.apiUrl());
        assertEquals("base", settings.template());
        assertEquals("agent-harness", settings.owner());
        assertEquals(URI.create("https://49983-i1abc.e2b.app"), settings.envdUrl("i1abc", null));
        assertEquals(URI.create("https://49983-i1abc.eu.e2b.dev"), settings.envdUrl("i1abc", "eu.e2b.dev"),
                "the sandbox's own domain wins when E2B names one");
    }

    @Test
    void aDomainAndOverridesAreHonoured() {
        E2bSettings settings = E2bSettings.resolve(KEY, "e2b.example.com", null, "my-template",
                "http://127.0.0.1:9999/{sandboxID}", "prod-eu").settings().orElseThrow();
        assertEquals(URI.create("https://api.e2b.example.com"), settings.apiUrl());
        assertEquals(URI.create("http://127.0.0.1:9999/i1abc"), settings.envdUrl("i1abc", "ignored.dev"));
        assertEquals(URI.create("http://localhost:1"),
                E2bSettings.resolve(KEY, null, "http://localhost:1", null, null, null).settings().orElseThrow().apiUrl());
    }

    @Test
    void problemsNameVariablesNotValues() {
        assertEquals(List.of("E2B_API_KEY is not set"), E2bSettings.resolve(" ", null, null, null, null, null).problems());
        List<String> problems = E2bSettings.resolve(KEY, null, "ftp://user:pw@x", null, "not a url", "bad owner!").problems();
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.stream().noneMatch(p -> p.contains("pw") || p.contains(KEY)), problems.toString());
    }

    @Test
    void toStringNeverShowsTheKey() {
        String text = E2bSettings.resolve(KEY, null, null, null, null, null).settings().orElseThrow().toString();
        assertFalse(text.contains(KEY), text);
        assertTrue(text.contains("apiKey=***"));
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        assertEquals(java.time.Duration.ofSeconds(3), ControlPlaneClient.retryAfter("3").orElseThrow());
        assertTrue(ControlPlaneClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT").orElseThrow().isZero(), "a past date waits 0");
        assertTrue(ControlPlaneClient.retryAfter("soon").isEmpty());
    }
}
