package dev.agentharness.demo;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import io.fabric8.mockwebserver.dsl.HttpMethod;

import java.util.Map;
import java.util.Queue;

/**
 * The embedded API server's dispatcher: the fixed discovery documents it was told to serve
 * ({@code server.expect()}), and everything else from the CRUD store. fabric8's own mixed dispatcher
 * does the same but always builds its own CRUD dispatcher; this one takes the {@link IndexedCrudDispatcher}.
 */
final class DiscoveryThenCrudDispatcher extends Dispatcher {

    private final Map<ServerRequest, Queue<ServerResponse>> expectations;
    private final MockDispatcher discovery;
    private final KubernetesCrudDispatcher crud;

    DiscoveryThenCrudDispatcher(Map<ServerRequest, Queue<ServerResponse>> expectations, KubernetesCrudDispatcher crud) {
        this.expectations = expectations;
        this.discovery = new MockDispatcher(expectations);
        this.crud = crud;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Queue<ServerResponse> expected = expectations.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()),
                request.getPath()));
        return expected != null && !expected.isEmpty() ? discovery.dispatch(request) : crud.dispatch(request);
    }
}
