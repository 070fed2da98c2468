package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How far a run got, from its journal: {@code turns} model responses, {@code steps} journal steps (the last one's
 * sequence number) and the kind of the last one ({@code last_step}, null before the first step). {@code attempts}
 * counts claims: above 1 the run moved to another replica (its worker died, or a draining replica released it);
 * {@code recoveries} counts resumptions after a dead worker.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RunProgress(
        @JsonProperty("turns") int turns,
        @JsonProperty("steps") int steps,
        @JsonProperty("last_step") String lastStep,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("recoveries") int recoveries) {

    /** A run nobody has claimed yet. */
    public static final RunProgress NONE = new RunProgress(0, 0, null, 0, 0);
}
