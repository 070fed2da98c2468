package dev.agentharness.runtime.evals;

import java.util.List;

/**
 * A dataset or baseline file is wrong. Each of {@link #errors()} reads {@code <file>:<line>: <field>: <problem>}
 * (a baseline's errors have no line); the message is all of them, one per line, so a user fixes the file in one go.
 */
public class DatasetException extends Exception {

    private final List<String> errors;

    public DatasetException(List<String> errors) {
        super(String.join("\n", errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a dataset error needs at least one message");
        }
        this.errors = List.copyOf(errors);
    }

    public DatasetException(String error) {
        this(List.of(error));
    }

    public List<String> errors() {
        return errors;
    }
}
