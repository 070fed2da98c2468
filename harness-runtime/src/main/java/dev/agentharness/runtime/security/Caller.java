package dev.agentharness.runtime.security;

import jakarta.enterprise.context.RequestScoped;

/**
 * Who is calling in this request. Runs and sessions belong to this principal; another principal
 * sees them as absent ({@code 404}), never as forbidden, so ids cannot be probed.
 */
@RequestScoped
public class Caller {

    /** The principal of requests accepted without keys (no HARNESS_API_KEYS, loopback only). */
    public static final String LOCAL = "local";

    private String principal;

    public String principal() {
        if (principal == null) {
            throw new IllegalStateException("no authenticated caller in this request");
        }
        return principal;
    }

    void authenticate(String principal) {
        this.principal = principal;
    }
}
