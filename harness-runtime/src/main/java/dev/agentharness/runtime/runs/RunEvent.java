package dev.agentharness.runtime.runs;

/**
 * One event of a run's stream, ready to send.
 *
 * @param seq      the journal step's sequence number (the SSE {@code id}); null for an event made up from the run row
 *                 of a run that ended without a terminal step, which must not take a number a step may own
 * @param kind     the step kind (the SSE {@code event} name)
 * @param dataJson the redacted payload with {@code seq}, {@code kind} and {@code at}, as one line of snake_case JSON
 */
public record RunEvent(Integer seq, String kind, String dataJson) {
}
