package dev.agentharness.runtime.runs;

/** A tenants file or default that cannot be applied; the message names the file and the key. */
public class TenantPolicyException extends RuntimeException {

    public TenantPolicyException(String message) {
        super(message);
    }

    public TenantPolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
