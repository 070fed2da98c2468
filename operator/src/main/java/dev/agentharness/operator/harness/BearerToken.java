package dev.agentharness.operator.harness;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;

/** Adds {@code Authorization: Bearer <token>}, the harness's API authentication (its {@code ApiKeyFilter}). */
public final class BearerToken implements ClientRequestFilter {

    private final String token;

    public BearerToken(String token) {
        this.token = token;
    }

    @Override
    public void filter(ClientRequestContext request) {
        request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
}
