package dev.agentharness.runtime.storage;

import io.quarkus.arc.Arc;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.URI;

/**
 * Fresh links for API responses. Presigning is local computation (no call to the store), so every
 * read of a run mints a new link with the configured lifetime. The local store's links are
 * relative to the harness; they are made absolute against the URL the caller used (forwarded
 * headers honoured) unless {@code HARNESS_PUBLIC_URL} fixed the base.
 */
@ApplicationScoped
public class ArtifactLinks {

    private final Storage storage;

    @Inject
    public ArtifactLinks(Storage storage) {
        this.storage = storage;
    }

    public URI download(String key) {
        return absolute(storage.store().presignGet(key, storage.linkTtl()));
    }

    static URI absolute(URI link) {
        if (link.isAbsolute()) {
            return link;
        }
        var container = Arc.container();
        if (container == null || !container.requestContext().isActive()) {
            return link;
        }
        RoutingContext current = container.instance(CurrentVertxRequest.class).get().getCurrent();
        if (current == null) {
            return link;
        }
        return URI.create(current.request().absoluteURI()).resolve(link);
    }
}
