package dev.agentharness.operator.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void theTokenUrlCredentialsAndBearerValuesNeverSurvive() {
        String text = "upstream said: Authorization: Bearer abc.def-123 for https://ops:hunter2@harness.internal/runs "
                + "and the key s3cr3t-token";
        String cleaned = Redaction.clean(text, "s3cr3t-token");
        assertFalse(cleaned.contains("abc.def-123"), cleaned);
        assertFalse(cleaned.contains("hunter2"), cleaned);
        assertFalse(cleaned.contains("ops:"), cleaned);
        assertFalse(cleaned.contains("s3cr3t-token"), cleaned);
        assertTrue(cleaned.contains("https://harness.internal/runs"), cleaned);
    }

    @Test
    void messagesAreBoundedAndOnOneLine() {
        String cleaned = Redaction.clean("a\nb\u0000c" + "x".repeat(5000), null);
        assertEquals(Redaction.MAX_MESSAGE, cleaned.length());
        assertFalse(cleaned.contains("\n"));
    }

    @Test
    void settingsNeverPrintTheToken() {
        HarnessSettings settings = new HarnessSettings(URI.create("http://u:p@harness:8000"), Optional.of("tok-123"),
                Duration.ofSeconds(5), Duration.ofSeconds(30));
        assertFalse(settings.toString().contains("tok-123"));
        assertFalse(settings.toString().contains("u:p@"));
        assertTrue(settings.toString().contains("apiToken=(set)"));
        assertEquals(Optional.empty(), new HarnessSettings(URI.create("http://h"), Optional.of(" "), Duration.ZERO,
                Duration.ZERO).apiToken());
    }
}
