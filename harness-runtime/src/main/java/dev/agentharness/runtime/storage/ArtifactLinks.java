package dev.agentharness.runtime.storage;

import io.quarkus.arc.Arc;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.agentharness.runtime.security.ApiKeys;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.Optional;

/**
 * Fresh links for API responses. Presigning is local computation (no call to the store), so every
 * read of a run mints a new link with the configured lifetime. The local store's links are absolute when
 * {@code HARNESS_PUBLIC_URL} fixed their base. Otherwise they are relative ({@code /storage/...}) — except in
 * keyless dev mode, where only loopback callers get in and the link is made absolute against the URL the caller
 * used: with API keys, {@code Host} and {@code X-Forwarded-Host} are whatever a caller sends, and a link or 302
 * built from them could point a victim's download at another host.
 */
@ApplicationScoped
public class ArtifactLinks {

    private static final Logger LOG = Logger.getLogger(ArtifactLinks.class);

    private final Storage storage;
    private final boolean devMode;

    @Inject
    public ArtifactLinks(Storage storage, @ConfigProperty(name = "harness.api-keys") Optional<String> keys) {
        this.storage = storage;
        this.devMode = ApiKeys.parse(keys.orElse("")).isEmpty();
        if (!devMode && storage.store() instanceof LocalArtifactStore local && !local.hasBaseUrl()) {
            LOG.warn("HARNESS_PUBLIC_URL is not set: links to the local artifact store are relative (/storage/...); "
                    + "set it to the URL clients reach this harness at for absolute links");
        }
    }

    public URI download(String key) {
        URI link = storage.store().presignGet(key, storage.linkTtl());
        return devMode ? absolute(link) : link;
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
