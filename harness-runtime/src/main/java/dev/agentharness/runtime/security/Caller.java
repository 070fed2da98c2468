package dev.agentharness.runtime.security;

import jakarta.enterprise.context.RequestScoped;

/**
 * Who is calling in this request. Runs and sessions belong to this principal; another principal
 * sees them as absent ({@code 404}), never as forbidden, so ids cannot be probed.
 *
 * <p>When the operator acts for a Kubernetes namespace ({@link TenantDelegation}), the principal is the namespace's
 * ({@code ns:<namespace>}): every run, session, limit and cent of spend is that namespace's, not the operator's.
 */
@RequestScoped
public class Caller {

    /** The principal of requests accepted without keys (no HARNESS_API_KEYS, loopback only). */
    public static final String LOCAL = "local";

    private String principal;
    private boolean admin;

    public String principal() {
        if (principal == null) {
            throw new IllegalStateException("no authenticated caller in this request");
        }
        return principal;
    }

    /** Whether this request was authenticated (false on open paths: /health, signed storage links). */
    public boolean authenticated() {
        return principal != null;
    }

    /** Whether the key's principal is one of {@code HARNESS_ADMIN_PRINCIPALS} (never true for a delegated namespace). */
    public boolean isAdmin() {
        principal();
        return admin;
    }

    void authenticate(String principal, boolean admin) {
        this.principal = principal;
        this.admin = admin;
    }
}
