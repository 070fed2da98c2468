package dev.agentharness.operator.kube;

import io.fabric8.kubernetes.api.model.Condition;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Sets a condition the Kubernetes way: one entry per type, and {@code lastTransitionTime} moves
 * only when the condition's {@code status} changes (a new reason or message keeps it).
 */
public final class Conditions {

    private Conditions() {
    }

    /** @return true when the condition's status or reason changed (worth an Event) */
    public static boolean set(List<Condition> conditions, String type, String status, String reason, String message,
                              Long observedGeneration, Instant now) {
        Condition existing = conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
        if (existing == null) {
            Condition condition = new Condition();
            condition.setType(type);
            condition.setStatus(status);
            condition.setReason(reason);
            condition.setMessage(message);
            condition.setObservedGeneration(observedGeneration);
            condition.setLastTransitionTime(timestamp(now));
            conditions.add(condition);
            return true;
        }
        boolean transition = !Objects.equals(existing.getStatus(), status);
        boolean changed = transition || !Objects.equals(existing.getReason(), reason);
        if (transition) {
            existing.setLastTransitionTime(timestamp(now));
        }
        existing.setStatus(status);
        existing.setReason(reason);
        existing.setMessage(message);
        existing.setObservedGeneration(observedGeneration);
        return changed;
    }

    /** RFC 3339 in UTC with second precision, as Kubernetes writes its own timestamps. */
    public static String timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
