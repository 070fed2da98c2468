package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;

import java.math.BigDecimal;
import java.util.List;

/** Graders of how a run ended and what it cost: status, reason, handoff, max_cost_usd, max_turns, max_latency_ms. */
final class RunGraders {

    private RunGraders() {
    }

    record Status(String name, RunStatus expected) implements Grader {
        @Override
        public String kind() {
            return "status";
        }

        @Override
        public Score grade(RunTranscript run) {
            String found = run.status() == null ? "unknown" : run.status().wire();
            if (run.status() == expected) {
                return Score.pass(name, "status " + found);
            }
            return Score.fail(name, "expected status " + expected.wire() + "; found " + found
                    + (run.reason() == null ? "" : " (reason " + Text.truncate(run.reason(), Text.SHORT) + ")"));
        }
    }

    record Reason(String name, String expected) implements Grader {
        @Override
        public String kind() {
            return "reason";
        }

        @Override
        public Score grade(RunTranscript run) {
            if (expected.equals(run.reason())) {
                return Score.pass(name, "reason " + expected);
            }
            return Score.fail(name, "expected reason " + expected + "; found "
                    + (run.reason() == null ? "none" : Text.truncate(run.reason(), Text.SHORT))
                    + " (status " + (run.status() == null ? "unknown" : run.status().wire()) + ")");
        }
    }

    /** {@code expected} is an agent name, or {@code null} for "no handoff at all". */
    record Handoff(String name, String expected) implements Grader {
        @Override
        public String kind() {
            return "handoff";
        }

        @Override
        public Score grade(RunTranscript run) {
            List<String> targets = run.handoffs().stream().map(RunTranscript.Handoff::to).toList();
            String found = targets.isEmpty() ? "no handoff" : "handoffs to " + String.join(", ", targets);
            if (expected == null) {
                return targets.isEmpty() ? Score.pass(name, "no handoff")
                        : Score.fail(name, "expected no handoff; found " + found);
            }
            return targets.contains(expected) ? Score.pass(name, "handed off to " + expected)
                    : Score.fail(name, "expected a handoff to " + expected + "; found " + found);
        }
    }

    record MaxCostUsd(String name, BigDecimal ceiling) implements Grader {
        @Override
        public String kind() {
            return "max_cost_usd";
        }

        @Override
        public Score grade(RunTranscript run) {
            if (run.usage() == null) {
                return Score.fail(name, "expected a cost of at most $" + ceiling.toPlainString()
                        + "; the run's cost is unknown (no usage recorded)");
            }
            BigDecimal cost = BigDecimal.valueOf(run.usage().costUsd());
            String found = "$" + cost.stripTrailingZeros().toPlainString();
            return cost.compareTo(ceiling) <= 0
                    ? Score.pass(name, "cost " + found + " ≤ $" + ceiling.toPlainString())
                    : Score.fail(name, "expected a cost of at most $" + ceiling.toPlainString() + "; found " + found);
        }
    }

    record MaxTurns(String name, long ceiling) implements Grader {
        @Override
        public String kind() {
            return "max_turns";
        }

        @Override
        public Score grade(RunTranscript run) {
            return run.turns() <= ceiling
                    ? Score.pass(name, run.turns() + " turns ≤ " + ceiling)
                    : Score.fail(name, "expected at most " + ceiling + " turns; found " + run.turns());
        }
    }

    record MaxLatencyMs(String name, long ceiling) implements Grader {
        @Override
        public String kind() {
            return "max_latency_ms";
        }

        @Override
        public Score grade(RunTranscript run) {
            if (run.latencyMs() == null) {
                return Score.fail(name, "expected a latency of at most " + ceiling
                        + " ms; the run's latency is unknown (it has no recorded start and end)");
            }
            return run.latencyMs() <= ceiling
                    ? Score.pass(name, "latency " + run.latencyMs() + " ms ≤ " + ceiling + " ms")
                    : Score.fail(name, "expected a latency of at most " + ceiling + " ms; found " + run.latencyMs() + " ms");
        }
    }
}
