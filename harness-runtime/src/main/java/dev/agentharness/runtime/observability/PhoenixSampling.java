package dev.agentharness.runtime.observability;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which runs go to Phoenix: a pure function of the run id and whether the run succeeded, so the decision recorded on
 * the run ({@code sampled_to_phoenix}) and the export always agree, on every replica and after every restart. The run
 * id's SHA-256 (stable across JVMs and versions) places the run at a point in [0, 1); it is sampled when that point is
 * below the ratio for its outcome. A run with a given id is always in or always out for one ratio, and raising the
 * ratio only adds runs.
 */
public final class PhoenixSampling {

    /** 2^-53: the top 53 bits of the hash as a double in [0, 1), exactly. */
    private static final double UNIT = 0x1.0p-53;

    private PhoenixSampling() {
    }

    /** Whether the run goes to Phoenix: {@code succeededRatio} of succeeded runs, {@code failedRatio} of the others. */
    public static boolean decide(String runId, boolean succeeded, double succeededRatio, double failedRatio) {
        double ratio = succeeded ? succeededRatio : failedRatio;
        return ratio >= 1.0 || position(runId) < ratio;
    }

    /** The run's point in [0, 1): the first 53 bits of SHA-256(run id, UTF-8). */
    static double position(String runId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(runId.getBytes(StandardCharsets.UTF_8));
            return (ByteBuffer.wrap(digest).getLong() >>> 11) * UNIT;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** A ratio given in {@code variable}: a number in [0, 1], or the start fails with the variable named. */
    static double ratio(String variable, String value) {
        try {
            double ratio = Double.parseDouble(value.strip());
            if (ratio >= 0 && ratio <= 1) {
                return ratio;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(variable + ": '" + value + "' is not a ratio between 0 and 1");
    }
}
