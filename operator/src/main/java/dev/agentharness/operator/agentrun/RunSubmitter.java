package dev.agentharness.operator.agentrun;

import dev.agentharness.api.RunResponse;
import dev.agentharness.api.agents.AgentView;
import dev.agentharness.operator.harness.HarnessAgents;
import dev.agentharness.operator.harness.HarnessClient;
import dev.agentharness.operator.harness.HarnessRejectedException;
import dev.agentharness.operator.harness.HarnessUnavailableException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.opentelemetry.context.Context;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * {@code POST /runs} off the reconciler's threads. A reconciliation that has a run to submit hands it
 * here and ends at once; the outcome waits here until the next reconciliation of that AgentRun, which
 * {@code onDone} triggers. So a thousand AgentRuns created at once never hold the reconciler's threads on
 * HTTP calls, and an AgentRun whose run finished is not queued behind them (docs/benchmarks.md,
 * operator). At most {@code concurrency} submissions are on the wire at a time.
 *
 * <p>Nothing here decides anything: the reconciler validates before, and maps the outcome (a run, an
 * unavailable harness, a rejection) onto the status after, as it did when it called the harness itself.
 * Submitting twice is harmless anyway (the Idempotency-Key returns the same run), but the
 * reconciler never does while one is {@link #pending}.
 */
public final class RunSubmitter implements AutoCloseable {

    /** What became of a submission. */
    public sealed interface Outcome {
        record Submitted(RunResponse run, String idempotencyKey) implements Outcome {
        }

        record Unavailable(HarnessUnavailableException failure) implements Outcome {
        }

        record Rejected(HarnessRejectedException failure, String idempotencyKey) implements Outcome {
        }

        /**
         * The harness refused the run, and the agent it names (no Agent of the namespace) cannot serve: the harness
         * knows no such agent, or it has no active version yet. {@code waitingFor} says which, for the status.
         */
        record AgentNotReady(String waitingFor) implements Outcome {
        }
    }

    private static final Logger LOG = Logger.getLogger(RunSubmitter.class);

    private final HarnessClient harness;
    private final HarnessAgents agents;
    private final Semaphore onTheWire;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<ResourceID, CompletableFuture<Outcome>> submissions = new ConcurrentHashMap<>();

    /** @param concurrency at least 1 ({@link AgentRunSettings} refuses less at start) */
    public RunSubmitter(HarnessClient harness, int concurrency) {
        this(harness, null, concurrency);
    }

    /**
     * @param agents      asked after a rejection whether the agent exists ({@link #agentNotReady}); null: never asked
     * @param concurrency at least 1 ({@link AgentRunSettings} refuses less at start)
     */
    public RunSubmitter(HarnessClient harness, HarnessAgents agents, int concurrency) {
        this.harness = harness;
        this.agents = agents;
        this.onTheWire = new Semaphore(concurrency);
    }

    /**
     * Submits {@code submission} for {@code primary}, unless one is already pending or done and not yet
     * {@link #take taken}; {@code onDone} runs once the outcome is here (on a thread of this submitter).
     * The OpenTelemetry context current here (the reconciliation's span) is current there too, so
     * {@code POST /runs} carries its {@code traceparent}: the AgentRun's reconcile and its run are one trace.
     *
     * @return false when a submission for {@code primary} was already held (this one is dropped, onDone never runs)
     */
    public boolean submit(ResourceID primary, RunSubmission submission, Consumer<Outcome> onDone) {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        if (submissions.putIfAbsent(primary, future) != null) {
            return false;
        }
        // The submitter's virtual threads do not inherit the caller's context: carry it explicitly.
        executor.execute(Context.current().wrap(() -> {
            Outcome outcome = send(submission);
            future.complete(outcome);
            onDone.accept(outcome);
        }));
        return true;
    }

    private Outcome send(RunSubmission submission) {
        try {
            onTheWire.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Unavailable(new HarnessUnavailableException("the operator is stopping"));
        }
        try {
            return new Outcome.Submitted(harness.submit(submission.namespace(), submission.idempotencyKey(),
                    submission.request()),
                    submission.idempotencyKey());
        } catch (HarnessUnavailableException e) {
            return new Outcome.Unavailable(e);
        } catch (HarnessRejectedException e) {
            return agentNotReady(submission).orElseGet(() -> new Outcome.Rejected(e, submission.idempotencyKey()));
        } catch (RuntimeException e) {
            // A bug or an unexpected answer: the reconciler retries it like an unreachable harness, and it is logged.
            LOG.errorf(e, "submitting run %s failed unexpectedly", submission.idempotencyKey());
            return new Outcome.Unavailable(new HarnessUnavailableException("submitting the run failed unexpectedly ("
                    + e.getClass().getSimpleName() + ")"));
        } finally {
            onTheWire.release();
        }
    }

    /**
     * After a rejection of a run whose agent is no Agent of the namespace: {@code GET /agents/{name}} tells an agent
     * that does not exist (404) or has no active version yet (registered through the API, not activated) from any other
     * reason to refuse the run. Asked only then, so a run of a built-in agent costs no extra request.
     */
    private Optional<Outcome> agentNotReady(RunSubmission submission) {
        String name = submission.harnessAgent();
        if (name == null || agents == null) {
            return Optional.empty();
        }
        try {
            Optional<AgentView> agent = agents.agent(submission.namespace(), name);
            if (agent.isEmpty()) {
                return Optional.of(new Outcome.AgentNotReady("an Agent '" + name + "' in namespace "
                        + submission.namespace() + " (or an agent of that name on the harness)"));
            }
            if (agent.get().activeVersion() == null && submission.request().agentVersion() == null) {
                return Optional.of(new Outcome.AgentNotReady("agent '" + name + "' on the harness to get an active "
                        + "version (" + agent.get().versions().size() + " registered, none active)"));
            }
            return Optional.empty();
        } catch (HarnessRejectedException e) {
            return Optional.empty();
        } catch (HarnessUnavailableException e) {
            return Optional.of(new Outcome.Unavailable(e));
        }
    }

    /** True while a submission for {@code primary} is on its way. */
    public boolean pending(ResourceID primary) {
        CompletableFuture<Outcome> future = submissions.get(primary);
        return future != null && !future.isDone();
    }

    /** True while a submission for {@code primary} is on its way or its outcome is not {@link #take taken} yet. */
    public boolean holds(ResourceID primary) {
        return submissions.containsKey(primary);
    }

    /** The outcome of {@code primary}'s finished submission, handed over once; empty when none is done. */
    public Optional<Outcome> take(ResourceID primary) {
        CompletableFuture<Outcome> future = submissions.get(primary);
        if (future == null || !future.isDone()) {
            return Optional.empty();
        }
        submissions.remove(primary, future);
        return Optional.of(future.join());
    }

    /** Forgets {@code primary} (its AgentRun is gone); a submission on the wire still completes, unheard. */
    public void forget(ResourceID primary) {
        submissions.remove(primary);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
