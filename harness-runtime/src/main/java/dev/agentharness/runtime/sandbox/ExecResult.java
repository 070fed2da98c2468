package dev.agentharness.runtime.sandbox;

import java.time.Duration;

/**
 * The outcome of {@link Sandbox#exec}.
 *
 * @param exitCode 124 when the command was killed for running past its timeout (as {@code timeout(1)} reports)
 */
public record ExecResult(int exitCode, String stdout, String stderr, boolean stdoutTruncated,
                         boolean stderrTruncated, boolean timedOut, Duration wallTime) {

    public static final int TIMED_OUT_EXIT_CODE = 124;
}
