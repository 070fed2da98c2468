package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The webhook notifier without a harness: the Slack-compatible body, the URL checked at startup without echoing it,
 * and a receiver that accepts connections but never answers does not hold anyone up — alerts beyond the queue are
 * dropped (counted), the caller never waits.
 */
class AlertNotifierTest {

    private static AlertSettings settings(String url, int capacity) {
        return new AlertSettings() {
            public Optional<String> webhookUrl() {
                return Optional.ofNullable(url);
            }

            public double spikeFactor() {
                return 3;
            }

            public double spikeMinimumUsd() {
                return 1;
            }

            public int queueCapacity() {
                return capacity;
            }

            public int maxAttempts() {
                return 3;
            }

            public long retryInitialBackoffMillis() {
                return 10;
            }

            public int requestTimeoutSeconds() {
                return 30;
            }

            public int topPrincipals() {
                return 20;
            }
        };
    }

    @Test
    void theBodyIsSlackCompatible() throws Exception {
        JsonNode body = new ObjectMapper().readTree(AlertNotifier.body(
                new AlertNotifier.Alert(AlertNotifier.SUSPENDED, "team-a", "Principal suspended: team-a by root")));
        assertEquals("Principal suspended: team-a by root", body.path("text").asText());
        assertEquals("section", body.path("blocks").path(0).path("type").asText());
        assertEquals("mrkdwn", body.path("blocks").path(0).path("text").path("type").asText());
        assertEquals("Principal suspended: team-a by root", body.path("blocks").path(0).path("text").path("text").asText());
        assertEquals("context", body.path("blocks").path(1).path("type").asText());
    }

    @Test
    void aBadUrlStopsTheBootNamingTheVariableNotTheValue() {
        for (String bad : List.of("hooks.slack.com/services/T000/B000/SECRETPART", "ftp://x/SECRETPART", "::SECRETPART")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new AlertNotifier(settings(bad, 10), null));
            assertTrue(e.getMessage().contains("HARNESS_ALERTS_WEBHOOK_URL"), e.getMessage());
            assertFalse(e.getMessage().contains("SECRETPART"), e.getMessage());
        }
    }

    @Test
    void aReceiverThatNeverAnswersBlocksNoCaller_alertsBeyondTheQueueAreDropped() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept()); // accepted, never read, never answered
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            AlertNotifier notifier = new AlertNotifier(settings("http://127.0.0.1:" + silent.getLocalPort()
                    + "/hook", 5), null);
            for (int i = 0; i < 100; i++) {
                notifier.suspended("p" + i, "root", null); // returns at once: offer, never put
            }
            // One is with the sender (stuck on the silent receiver), five wait in the queue, the rest were dropped.
            assertTrue(notifier.droppedCount() >= 94, "dropped " + notifier.droppedCount());
            assertEquals(0, notifier.sentCount());
            notifier.stop();
            acceptor.interrupt();
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
