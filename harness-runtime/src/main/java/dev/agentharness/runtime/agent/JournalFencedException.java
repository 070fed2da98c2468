package dev.agentharness.runtime.agent;

/** The journal refused a step: another worker holds the run now, so this one must stop without acting further. */
public class JournalFencedException extends RuntimeException {

    public JournalFencedException(String message) {
        super(message);
    }
}
