package dev.agentharness.operator.agentrun;

import java.time.Duration;

/** Durations the way kubectl prints them: {@code 45s}, {@code 1m12s}, {@code 2h3m4s}. */
public final class HumanDuration {

    private HumanDuration() {
    }

    public static String of(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        long hours = seconds / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        StringBuilder out = new StringBuilder();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            out.append(minutes).append('m');
        }
        return out.append(rest).append('s').toString();
    }
}
