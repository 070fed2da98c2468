package dev.agentharness.fakes.model;

/**
 * Computes the FAKE model's reply from the request it received. Used when a test needs behaviour
 * that depends on the conversation (e.g. many concurrent runs), where a FIFO script cannot know
 * which request comes first. Called concurrently: implementations must be thread-safe.
 */
@FunctionalInterface
public interface Responder {

    Reply reply(RecordedRequest request);
}
