package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.api.RunStatus;
import dev.agentharness.runtime.agent.RunStep;
import dev.agentharness.runtime.agent.StepKind;
import dev.agentharness.runtime.observability.HarnessMetrics;
import dev.agentharness.runtime.state.RunRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journal → metrics mapping, without Quarkus: one finished run's whole journal counted into a registry. */
class RunOutcomeMetricsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    /** $2 per million input tokens, $8 per million output tokens. */
    private static final Pricing PRICING = new Pricing() {
        @Override
        public double inputUsdPerMillionTokens() {
            return 2;
        }

        @Override
        public double outputUsdPerMillionTokens() {
            return 8;
        }

        @Override
        public java.util.Optional<java.nio.file.Path> file() {
            return java.util.Optional.empty();
        }
    };

    @Test
    void aResumedRunIsCountedFromEveryStepOfItsJournalOnce() {
        MeterRegistry registry = new SimpleMeterRegistry();
        RunOutcomeMetrics metrics = new RunOutcomeMetrics(new HarnessMetrics(registry), PRICING, "openai",
                Set.of("gpt-a"), null, null);
        List<RunStep> journal = List.of(
                step(StepKind.AGENT_STARTED, "{\"agent\":\"maya\"}"),
                // attempt 1 (another replica): a rate-limited call, then an answer
                step(StepKind.MODEL_FAILED, "{\"agent\":\"maya\",\"model\":\"gpt-a\",\"error\":\"model provider "
                        + "unavailable for gpt-a after 2 attempt(s): HTTP 429 slow down\"," + span(0, 1500) + "}"),
                step(StepKind.MODEL_RESPONSE, "{\"agent\":\"maya\",\"model\":\"gpt-a\",\"input_tokens\":1000,"
                        + "\"output_tokens\":100,\"cached_input_tokens\":400,\"reasoning_tokens\":30,\"cost_usd\":0.0042,"
                        + "\"response_model\":\"gpt-a-2026-01-01\",\"finish_reason\":\"tool_calls\"," + span(2000, 2500)
                        + "}"),
                step(StepKind.TOOL_STARTED, "{\"tool\":\"lookup_account\",\"call_id\":\"c1\"}"),
                step(StepKind.TOOL_OUTPUT, "{\"tool\":\"lookup_account\",\"call_id\":\"c1\",\"output\":\"x\","
                        + "\"error\":\"unknown account\",\"body_ran\":true," + span(3000, 3040) + "}"),
                // attempt 2 (this replica, after a crash): the payload of an older harness, without the new keys
                step(StepKind.MODEL_RESPONSE, "{\"agent\":\"maya\",\"model\":\"gpt-a\",\"input_tokens\":2000,"
                        + "\"output_tokens\":50," + span(5000, 5800) + "}"),
                step(StepKind.TOOL_OUTPUT, "{\"tool\":\"lookup_account\",\"call_id\":\"c2\",\"output\":\"y\","
                        + "\"error\":null,\"body_ran\":true," + span(6000, 6010) + "}"),
                step(StepKind.MODEL_FAILED, "{\"agent\":\"maya\",\"model\":\"someone-elses-model\",\"error\":"
                        + "\"model call to x timed out after 10000 ms (2 attempt(s))\"," + span(7000, 17000) + "}"),
                step(StepKind.GUARDRAIL, "{\"name\":\"no_card_numbers\",\"stage\":\"input\",\"triggered\":false}"),
                step(StepKind.GUARDRAIL, "{\"name\":\"no_secrets\",\"stage\":\"output\",\"triggered\":true}"));

        metrics.finished(run(RunStatus.FAILED, "OutputGuardrailTripwireTriggered", T0, T0.plusSeconds(20)), journal);

        assertEquals(1, registry.get("agentharness.runs.finished").tags("agent", "maya", "status", "failed",
                "reason", "OutputGuardrailTripwireTriggered").counter().count());
        Timer run = registry.get("agentharness.run.duration").tags("agent", "maya", "status", "failed").timer();
        assertEquals(1, run.count());
        assertEquals(20, run.totalTime(java.util.concurrent.TimeUnit.SECONDS), 1e-9);

        Timer ok = registry.get("agentharness.model.call.duration").tags("model", "gpt-a", "outcome", "ok").timer();
        assertEquals(2, ok.count());
        assertEquals(1.3, ok.totalTime(java.util.concurrent.TimeUnit.SECONDS), 1e-9);
        assertEquals(1, registry.get("agentharness.model.call.duration").tags("model", "gpt-a", "outcome", "error")
                .timer().count());
        assertEquals(1, registry.get("agentharness.model.call.duration").tags("model", "other", "outcome", "error")
                .timer().count(), "a model name outside configuration is counted as 'other'");
        assertEquals(1, registry.get("agentharness.model.errors").tags("model", "gpt-a", "error", "rate_limited")
                .counter().count());
        assertEquals(1, registry.get("agentharness.model.errors").tags("model", "other", "error", "timeout")
                .counter().count());

        assertEquals(3000, tokens(registry, "input"));
        assertEquals(150, tokens(registry, "output"));
        assertEquals(400, tokens(registry, "cached_input"));
        assertEquals(30, tokens(registry, "reasoning"));
        // The first answer's cost as it was recorded (the price table's, not the global price); the second, journaled
        // by a harness that did not price calls yet, at the global price: 2,000 × 2 + 50 × 8 = 4,400 micro-dollars.
        double cost = 0.0042 + (2000 * 2 + 50 * 8) / 1_000_000d;
        assertEquals(cost, registry.get("agentharness.cost.usd").tags("model", "gpt-a").counter().count(), 1e-12);

        assertEquals(1, registry.get("agentharness.tool.errors").tags("tool", "lookup_account").counter().count());
        assertEquals(1, registry.get("agentharness.tool.duration").tags("tool", "lookup_account", "outcome", "error")
                .timer().count());
        assertEquals(1, registry.get("agentharness.tool.duration").tags("tool", "lookup_account", "outcome", "ok")
                .timer().count());
        assertEquals(1, registry.get("agentharness.guardrail.trips").tags("guardrail", "no_secrets", "stage", "output")
                .counter().count());
        assertTrue(registry.find("agentharness.guardrail.trips").tags("guardrail", "no_card_numbers").meters().isEmpty());

        // OTel GenAI client metrics: spec attribute names, the response model when the provider named it.
        assertEquals(1, registry.get("gen_ai.client.operation.duration").tags("gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai", "gen_ai.request.model", "gpt-a",
                "gen_ai.response.model", "gpt-a-2026-01-01", "error.type", "").timer().count());
        assertEquals(1, registry.get("gen_ai.client.operation.duration").tags("gen_ai.request.model", "gpt-a",
                "gen_ai.response.model", "unknown", "error.type", "").timer().count());
        assertEquals(1, registry.get("gen_ai.client.operation.duration").tags("gen_ai.request.model", "gpt-a",
                "error.type", "rate_limited").timer().count());
        var input = registry.get("gen_ai.client.token.usage").tags("gen_ai.token.type", "input").summaries();
        assertEquals(3000, input.stream().mapToDouble(s -> s.totalAmount()).sum());
        CountAtBucket[] buckets = registry.get("gen_ai.client.token.usage").tags("gen_ai.token.type", "output",
                "gen_ai.response.model", "gpt-a-2026-01-01").summary().takeSnapshot().histogramCounts();
        assertEquals(List.of(1d, 4d, 16d, 64d, 256d, 1024d, 4096d, 16384d, 65536d, 262144d, 1048576d, 4194304d,
                        16777216d, 67108864d),
                Arrays.stream(buckets).map(CountAtBucket::bucket).toList(), "the spec's bucket boundaries");
    }

    @Test
    void aSucceededRunHasReasonNoneAndAzureIsTheProviderWhenConfigured() {
        MeterRegistry registry = new SimpleMeterRegistry();
        RunOutcomeMetrics metrics = new RunOutcomeMetrics(new HarnessMetrics(registry), PRICING, "azure.ai.openai",
                Set.of("gpt-a"), null, null);
        metrics.finished(run(RunStatus.SUCCEEDED, null, T0, T0.plusMillis(1500)), List.of(step(StepKind.MODEL_RESPONSE,
                "{\"model\":\"gpt-a\",\"input_tokens\":10,\"output_tokens\":5," + span(0, 900) + "}")));

        assertEquals(1, registry.get("agentharness.runs.finished").tags("status", "succeeded", "reason", "none")
                .counter().count());
        assertEquals(1, registry.get("gen_ai.client.operation.duration")
                .tags("gen_ai.provider.name", "azure.ai.openai").timer().count());
    }

    @Test
    void errorClassesAreAClosedSetReadFromTheRecordedMessage() {
        assertEquals("rate_limited", RunOutcomeMetrics.errorClass("model provider unavailable for m after 4 attempt(s): "
                + "HTTP 429 {\"error\":…}"));
        assertEquals("server_error", RunOutcomeMetrics.errorClass("model provider unavailable for m after 4 attempt(s): "
                + "HTTP 503"));
        assertEquals("bad_request", RunOutcomeMetrics.errorClass("model provider rejected the request for m: HTTP 400: "
                + "bad tool schema"));
        assertEquals("timeout", RunOutcomeMetrics.errorClass("model call to m timed out after 60000 ms (4 attempt(s))"));
        assertEquals("other", RunOutcomeMetrics.errorClass("could not reach the model endpoint after 4 attempt(s): "
                + "ConnectException Connection refused"));
        assertEquals("other", RunOutcomeMetrics.errorClass(null));
    }

    /** The Prometheus names as scraped: the contract the chart's rules and dashboard are written against. */
    @Test
    void prometheusRendersTheContractNames() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HarnessMetrics harness = new HarnessMetrics(registry);
        RunOutcomeMetrics metrics = new RunOutcomeMetrics(harness, PRICING, "openai", Set.of("gpt-a"), null, null);
        metrics.finished(run(RunStatus.SUCCEEDED, null, T0, T0.plusSeconds(2)), List.of(
                step(StepKind.MODEL_FAILED, "{\"model\":\"gpt-a\",\"error\":\"HTTP 500\"," + span(0, 100) + "}"),
                step(StepKind.MODEL_RESPONSE, "{\"model\":\"gpt-a\",\"input_tokens\":10,\"output_tokens\":5,"
                        + span(200, 300) + "}")));
        harness.runSubmitted("maya");
        harness.runClaimedFirst("maya", Duration.ofMillis(30));
        harness.runsInFlight(() -> 3);
        String text = registry.scrape();

        for (String name : List.of("agentharness_runs_finished_total", "agentharness_runs_submitted_total",
                "agentharness_run_duration_seconds_bucket", "agentharness_run_queue_wait_seconds_bucket",
                "agentharness_runs_queued", "agentharness_runs_in_flight", "agentharness_database_up",
                "agentharness_object_store_up", "agentharness_model_call_duration_seconds_bucket",
                "agentharness_model_tokens_total", "agentharness_model_errors_total", "agentharness_cost_usd_total",
                "gen_ai_client_operation_duration_seconds_bucket", "gen_ai_client_token_usage_bucket")) {
            assertTrue(text.contains("\n" + name + "{") || text.contains("\n" + name + " "), name + " in\n" + text);
        }
        // error_type only on errors: an empty label value is no label to Prometheus.
        assertTrue(text.contains("error_type=\"server_error\""), text);
        assertTrue(text.contains("gen_ai_operation_name=\"chat\""), text);
        assertTrue(text.contains("gen_ai_client_operation_duration_seconds_bucket{error_type=\"\","), text);
        assertTrue(text.contains("le=\"81.92\""), text);
        assertNull(registry.find("gen_ai.client.token.usage").tag("error.type", "server_error").summary());
    }

    private static double tokens(MeterRegistry registry, String type) {
        return registry.get("agentharness.model.tokens").tags("model", "gpt-a", "type", type).counter().count();
    }

    private static String span(long startMillis, long endMillis) {
        return "\"started_at\":\"" + T0.plusMillis(startMillis) + "\",\"ended_at\":\"" + T0.plusMillis(endMillis) + "\"";
    }

    private static RunStep step(StepKind kind, String payload) {
        try {
            return new RunStep(kind, (ObjectNode) JSON.readTree(payload));
        } catch (Exception e) {
            throw new IllegalArgumentException(payload, e);
        }
    }

    private static RunRecord run(RunStatus status, String reason, Instant started, Instant completed) {
        OffsetDateTime created = started.minusSeconds(1).atOffset(ZoneOffset.UTC);
        return new RunRecord("run_1", "ses_1", "alice", "maya", "gpt-a", status, reason, null, "{}", "h", null, null,
                0, 0, 0, "trace", false, false, 10, null, false, 2, null, null, created,
                started.atOffset(ZoneOffset.UTC), completed.atOffset(ZoneOffset.UTC), completed.atOffset(ZoneOffset.UTC),
                2L, 1, 3, 10, "run_failed", null);
    }
}
