package dev.agentharness.runtime.runs;

/** A price file that cannot be applied; the message names the file and the key. The harness does not start. */
public class PriceTableException extends RuntimeException {

    public PriceTableException(String message) {
        super(message);
    }

    public PriceTableException(String message, Throwable cause) {
        super(message, cause);
    }
}
