package dev.agentharness.runtime.security;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Who may act for a Kubernetes namespace, and the principal a namespace is.
 *
 * <p>The operator sends {@value #HEADER}{@code : <namespace>} with its own key; the harness accepts it only from the
 * principals in {@code HARNESS_NAMESPACE_DELEGATES} and then treats the request as the namespace's own principal,
 * {@code ns:<namespace>}. A colon never appears in a principal of {@code HARNESS_API_KEYS}, so no key can be issued
 * that collides with a namespace. Chosen over one key per namespace because the operator can read every Secret it
 * would select anyway, while a delegation needs no per-namespace Secret to create, rotate or forget.
 */
public final class TenantDelegation {

    public static final String HEADER = "Agent-Harness-Namespace";
    public static final String NAMESPACE_PREFIX = "ns:";

    /** A Kubernetes namespace name (RFC 1123 label). */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private final Set<String> delegates;

    private TenantDelegation(Set<String> delegates) {
        this.delegates = delegates;
    }

    public static TenantDelegation of(String commaSeparatedPrincipals) {
        return new TenantDelegation(commaSeparatedPrincipals == null ? Set.of()
                : Arrays.stream(commaSeparatedPrincipals.split(",")).map(String::strip).filter(p -> !p.isEmpty())
                        .collect(Collectors.toUnmodifiableSet()));
    }

    public boolean mayDelegate(String principal) {
        return delegates.contains(principal);
    }

    public static boolean isNamespace(String name) {
        return name != null && NAMESPACE.matcher(name).matches();
    }

    public static String principalOf(String namespace) {
        return NAMESPACE_PREFIX + namespace;
    }

    /** The namespace a delegated principal stands for, if it is one. */
    public static Optional<String> namespaceOf(String principal) {
        return principal.startsWith(NAMESPACE_PREFIX)
                ? Optional.of(principal.substring(NAMESPACE_PREFIX.length())) : Optional.empty();
    }
}
