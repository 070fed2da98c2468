package dev.agentharness.runtime.state;

/**
 * A submission refused because the principal is at one of its limits; nothing was written.
 *
 * @see SubmissionQuota
 */
public class QuotaExceededException extends RuntimeException {

    private final String limit;
    private final long count;
    private final int max;

    public QuotaExceededException(String limit, long count, int max) {
        super(limit + ": " + count + " of " + max, null, false, false);
        this.limit = limit;
        this.count = count;
        this.max = max;
    }

    /** The limit's name as in the tenants file ({@code max_queued}, {@code max_in_flight}). */
    public String limit() {
        return limit;
    }

    /** The principal's runs the limit counts, now. */
    public long count() {
        return count;
    }

    public int max() {
        return max;
    }
}
