package dev.agentharness.runtime.evals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Whether an evaluator with {@code sample} grades a run: decided from the run id and the evaluator's name alone, so
 * every replica, a replay and the nightly job agree on the same run, and different evaluators sample independently.
 */
public final class EvaluatorSampling {

    private EvaluatorSampling() {
    }

    public static boolean sampled(String runId, InlineEvaluator evaluator) {
        return sampled(runId, evaluator.name(), evaluator.sample());
    }

    /** {@code sample} 1 grades every run, 0 none; otherwise a uniform draw from SHA-256(run id, name). */
    public static boolean sampled(String runId, String evaluator, double sample) {
        if (sample >= 1) {
            return true;
        }
        if (sample <= 0) {
            return false;
        }
        return draw(runId, evaluator) < sample;
    }

    /** A number in [0, 1) fixed by the run id and the evaluator's name. */
    static double draw(String runId, String evaluator) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((runId + "\u0000" + evaluator).getBytes(StandardCharsets.UTF_8));
            long bits = ByteBuffer.wrap(digest, 0, 8).getLong() >>> 11; // 53 bits
            return bits / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
