package dev.agentharness.runtime.state;

/**
 * The database refused a run's completion for what it contains (SQLSTATE class 22, data exception, or 23, integrity
 * constraint violation): writing the same values again can never succeed, so this is not an outage to wait out.
 */
public class CompletionRejectedException extends RuntimeException {

    private final String sqlState;

    public CompletionRejectedException(String sqlState, Throwable cause) {
        super("the database rejected the run's result (SQLSTATE " + sqlState + ")", cause);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }

    /** True for the SQLSTATE classes that describe the data, not the database's availability. */
    static boolean permanent(String sqlState) {
        return sqlState != null && (sqlState.startsWith("22") || sqlState.startsWith("23"));
    }
}
