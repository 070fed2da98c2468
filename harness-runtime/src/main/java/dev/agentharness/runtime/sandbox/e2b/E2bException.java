package dev.agentharness.runtime.sandbox.e2b;

import dev.agentharness.runtime.sandbox.SandboxException;

/**
 * E2B refused or failed a call. The message names the call, the HTTP status and E2B's
 * {@code error_code} (or the Connect code) — never the raw error body, which could echo request
 * data, and never the API key or an envd token.
 *
 * @param status the HTTP status, or 0 when E2B could not be reached
 * @param code   E2B's {@code error_code} or envd's Connect code, or null
 */
public class E2bException extends SandboxException {

    private final int status;
    private final String code;

    public E2bException(String message, int status, String code) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public E2bException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.code = null;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
