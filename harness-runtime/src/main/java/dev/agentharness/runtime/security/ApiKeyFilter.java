package dev.agentharness.runtime.security;

import dev.agentharness.api.Problem;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;
import java.util.Set;

/**
 * Bearer authentication for every REST resource but {@code /health}. Swagger UI, the OpenAPI
 * document, metrics and probes are not JAX-RS resources and stay open by construction.
 *
 * <p>With no keys configured the harness is in dev mode: it accepts only callers connected from
 * loopback, judged by the TCP peer rather than {@code X-Forwarded-For} (which anyone can send),
 * and refuses anything that came through a proxy.
 */
@ApplicationScoped
public class ApiKeyFilter {

    private static final Logger LOG = Logger.getLogger(ApiKeyFilter.class);
    private static final Set<String> OPEN_PATHS = Set.of("/health");
    private static final String SIGNED_LINK_PREFIX = "/storage/";

    private final ApiKeys keys;
    private final Set<String> admins;
    private final TenantDelegation delegation;

    private final Caller caller;

    @Inject
    public ApiKeyFilter(@ConfigProperty(name = "harness.api-keys") Optional<String> keys,
                        @ConfigProperty(name = "harness.admin-principals") Optional<String> admins,
                        @ConfigProperty(name = "harness.namespace-delegates") Optional<String> delegates,
                        Caller caller) {
        this.caller = caller;
        this.keys = ApiKeys.parse(keys.orElse(""));
        this.admins = Set.copyOf(java.util.Arrays.stream(admins.orElse("").split(","))
                .map(String::strip).filter(p -> !p.isEmpty()).toList());
        this.delegation = TenantDelegation.of(delegates.orElse(""));
        if (this.keys.isEmpty()) {
            LOG.warn("HARNESS_API_KEYS is not set: dev mode, only loopback callers are accepted (principal 'local')");
        } else {
            LOG.infof("API authentication on: %d key(s) configured", this.keys.size());
        }
    }

    @ServerRequestFilter
    public Optional<Response> authenticate(ContainerRequestContext context, HttpServerRequest request) {
        String path = context.getUriInfo().getPath();
        // Signed storage links carry their own credential (an HMAC over key and expiry), like presigned S3 URLs.
        if (OPEN_PATHS.contains(path) || path.startsWith(SIGNED_LINK_PREFIX)) {
            return Optional.empty();
        }
        if (keys.isEmpty()) {
            if (fromLoopbackWithoutProxy(request)) {
                // Dev mode: the local caller is everyone, so it may also act for a namespace (make demo's operator).
                return actAs(context, Caller.LOCAL, true);
            }
            return Optional.of(problem(Response.Status.UNAUTHORIZED,
                    "HARNESS_API_KEYS is not set, so only loopback callers are accepted; "
                            + "set HARNESS_API_KEYS and send 'Authorization: Bearer <key>'"));
        }
        String header = context.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(problem(Response.Status.UNAUTHORIZED,
                    "missing 'Authorization: Bearer <key>' header"));
        }
        Optional<String> principal = keys.principalFor(header.substring(7).strip());
        if (principal.isEmpty()) {
            return Optional.of(problem(Response.Status.UNAUTHORIZED, "the API key is not valid"));
        }
        return actAs(context, principal.get(), delegation.mayDelegate(principal.get()));
    }

    private Optional<Response> actAs(ContainerRequestContext context, String principal, boolean mayDelegate) {
        String namespace = context.getHeaderString(TenantDelegation.HEADER);
        if (namespace == null) {
            caller.authenticate(principal, admins.contains(principal));
            return Optional.empty();
        }
        if (!mayDelegate) {
            return Optional.of(problem(Response.Status.FORBIDDEN, "header " + TenantDelegation.HEADER
                    + ": principal '" + principal + "' may not act for a namespace (HARNESS_NAMESPACE_DELEGATES)"));
        }
        if (!TenantDelegation.isNamespace(namespace)) {
            return Optional.of(problem(Response.Status.BAD_REQUEST, "header " + TenantDelegation.HEADER
                    + ": not a Kubernetes namespace name (RFC 1123 label)"));
        }
        caller.authenticate(TenantDelegation.principalOf(namespace), false);
        return Optional.empty();
    }

    private static boolean fromLoopbackWithoutProxy(HttpServerRequest request) {
        if (request.headers().contains("X-Forwarded-For") || request.headers().contains("Forwarded")) {
            return false;
        }
        SocketAddress peer = request.connection().remoteAddress();
        if (peer == null || peer.hostAddress() == null) {
            return false;
        }
        String host = peer.hostAddress();
        return host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }

    private static Response problem(Response.Status status, String detail) {
        Response.ResponseBuilder response = Response.status(status).type(Problem.MEDIA_TYPE);
        if (status == Response.Status.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return response.entity(Problem.of(status.getStatusCode(), status.getReasonPhrase(), detail))
                .build();
    }
}
