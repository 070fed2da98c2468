package dev.agentharness.operator.harness;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;

/** Adds {@code Agent-Harness-Namespace: <namespace>} to every call of one namespace's REST client. */
public final class NamespaceHeader implements ClientRequestFilter {

    private final String namespace;

    public NamespaceHeader(String namespace) {
        this.namespace = namespace;
    }

    @Override
    public void filter(ClientRequestContext request) {
        request.getHeaders().putSingle(HarnessClient.NAMESPACE_HEADER, namespace);
    }
}
