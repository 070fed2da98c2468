package dev.agentharness.runtime.state;

import dev.agentharness.runtime.agent.BuiltInAgents;
import dev.agentharness.runtime.evals.Grader;
import dev.agentharness.runtime.evals.Graders;
import dev.agentharness.runtime.evals.InlineEvaluator;
import dev.agentharness.runtime.runs.NightlyEvaluation;
import dev.agentharness.runtime.runs.NightlyTranscripts;
import dev.agentharness.runtime.storage.LinkSigner;
import dev.agentharness.runtime.storage.LocalArtifactStore;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a 1,000-run nightly sample costs (docs/benchmarks.md, "Nightly evaluation"): 1,000 finished Maya runs (each with
 * a journal of 8 steps: agent start, guardrail, two tool calls with outputs, two model responses) among 20,000 finished
 * runs of the last two days, on a fresh embedded PostgreSQL; the night samples 1,000 of the 24 h window, reads their
 * rows and journals in batches of 100, grades each with Maya's three inline evaluators, upserts 3,000 scores (one
 * statement per run), writes the three report objects to a local store. No judge (a judge costs one model call per
 * graded run: its latency, divided by the concurrency, dominates then). Wall time of three nights is printed.
 * Not part of the suite (no *Test name): {@code ./mvnw -o test -pl harness-runtime -Dtest=NightlyBench}.
 */
class NightlyBench {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Test
    void aNightOf1000SampledRuns() throws Exception {
        Path reports = Files.createTempDirectory("nightly-bench-");
        try (TestDatabase db = TestDatabase.migrated()) {
            Pool pool = db.pool();
            fill(pool);
            RunSamples samples = new RunSamples(pool);
            EvalScores scores = new EvalScores(pool);
            Graders graders = Graders.withoutJudge();
            List<Grader> maya = BuiltInAgents.evaluators("maya", graders).stream().map(InlineEvaluator::grader).toList();
            LocalArtifactStore store = new LocalArtifactStore(reports, new LinkSigner(
                    "bench-signing-key-0123456789abcdef0123".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()),
                    null);
            for (int night = 1; night <= 3; night++) {
                NightlyEvaluation nightly = new NightlyEvaluation(samples, new NightlyTranscripts(samples),
                        agent -> maya, (runId, source, results) -> scores.upsert(runId, source, results.stream()
                        .map(r -> new EvalScores.NewScore(r.score().evaluator(), r.kind(), r.score().value(),
                                r.score().label(), r.score().passed(), r.score().explanation())).toList(),
                        Instant.now()), store, Optional.empty(), "", Clock.systemUTC());
                long started = System.nanoTime();
                NightlyEvaluation.Outcome outcome = nightly.run(new NightlyEvaluation.Options(Duration.ofHours(24), 1000,
                        false, night, 8, Duration.ofHours(1), 10));
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertEquals(1000, outcome.report().runs().size());
                assertEquals(1000, outcome.report().graded());
                System.out.printf("NIGHTLY-BENCH night=%d sampled=%d of %d finished in window, scores=%d, wall=%d ms%n",
                        night, outcome.report().runs().size(), outcome.report().population(),
                        outcome.report().runs().stream().mapToInt(r -> r.scores().size()).sum(), millis);
            }
        }
    }

    /** 20,000 finished runs over two days (half in the last 24 h), 1,000 with journals; 8 steps each. */
    private static void fill(Pool pool) {
        Blocking.await(pool.query("INSERT INTO public.sessions (principal, id) SELECT 'bench-' || p, 'ses-bench-' || p "
                + "FROM generate_series(0, 19) p").execute(), TIMEOUT);
        Blocking.await(pool.query("INSERT INTO public.runs (id, session_id, principal, agent, model, message, "
                + "request_json, request_hash, max_turns, status, reply, created_at, started_at, completed_at) "
                + "SELECT 'run-bench-' || n, 'ses-bench-' || (n % 20), 'bench-' || (n % 20), 'maya', 'gpt-5.4-mini', "
                + "'What is my balance on account A-' || n || '?', '{}', 'h', 10, "
                + "CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'succeeded' END, "
                + "'Your balance on account A-' || n || ' is 42.00 EUR.', "
                + "now() - (n * 8640) * interval '1 millisecond' - interval '3 seconds', "
                + "now() - (n * 8640) * interval '1 millisecond' - interval '2 seconds', "
                + "now() - (n * 8640) * interval '1 millisecond' FROM generate_series(0, 19999) n").execute(), TIMEOUT);
        // Journals for the 1,000 runs the sample can draw from the last 24 h (every tenth of the first 10,000).
        Blocking.await(pool.query("INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
                + "SELECT 'run-bench-' || n, s.seq, s.kind, s.payload::jsonb, 1 FROM generate_series(0, 9999, 10) n, "
                + "(VALUES (1, 'agent_started', '{\"agent\":\"maya\",\"tools\":[\"lookup_account\"],\"handoffs\":[]}'), "
                + "(2, 'guardrail', '{\"agent\":\"maya\",\"name\":\"pii\",\"stage\":\"input\",\"tripped\":false}'), "
                + "(3, 'model_response', '{\"agent\":\"maya\",\"turn\":1,\"output\":[]}'), "
                + "(4, 'tool_started', '{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"c1\","
                + "\"arguments\":\"{\\\"account_id\\\":\\\"A-1\\\"}\"}'), "
                + "(5, 'tool_output', '{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"c1\","
                + "\"output\":\"{\\\"balance\\\":42}\",\"body_ran\":true}'), "
                + "(6, 'tool_started', '{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"c2\","
                + "\"arguments\":\"{\\\"account_id\\\":\\\"A-2\\\"}\"}'), "
                + "(7, 'tool_output', '{\"agent\":\"maya\",\"tool\":\"lookup_account\",\"call_id\":\"c2\","
                + "\"output\":\"{\\\"balance\\\":7}\",\"body_ran\":true}'), "
                + "(8, 'model_response', '{\"agent\":\"maya\",\"turn\":2,\"output\":[]}')) AS s(seq, kind, payload)")
                .execute(), TIMEOUT);
        // The sample draws from the runs with journals only: the others of the window are old enough to be outside it.
        Blocking.await(pool.query("UPDATE public.runs SET completed_at = completed_at - interval '2 days', "
                + "created_at = created_at - interval '2 days' WHERE id NOT IN (SELECT DISTINCT run_id FROM "
                + "public.run_steps)").execute(), TIMEOUT);
        Blocking.await(pool.query("ANALYZE public.runs").execute(), TIMEOUT);
        Blocking.await(pool.query("ANALYZE public.run_steps").execute(), TIMEOUT);
    }
}
