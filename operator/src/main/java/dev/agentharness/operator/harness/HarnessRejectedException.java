package dev.agentharness.operator.harness;

/**
 * The harness answered a 4xx that retrying cannot fix: the request itself is wrong (400, 404,
 * 413, 422) or conflicts with an earlier one under the same Idempotency-Key (409).
 *
 * @see #status()
 */
public class HarnessRejectedException extends RuntimeException {

    private final int status;
    private final String detail;

    public HarnessRejectedException(int status, String detail) {
        super("harness answered " + status + ": " + detail);
        this.status = status;
        this.detail = detail;
    }

    public int status() {
        return status;
    }

    /** The problem's {@code detail}, cleaned for a status. */
    public String detail() {
        return detail;
    }

    public boolean conflict() {
        return status == 409;
    }

    public boolean notFound() {
        return status == 404;
    }
}
