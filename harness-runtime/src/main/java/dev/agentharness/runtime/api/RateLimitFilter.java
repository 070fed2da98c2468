package dev.agentharness.runtime.api;

import dev.agentharness.runtime.runs.TenantPolicies;
import dev.agentharness.runtime.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import dev.agentharness.runtime.security.TenantDelegation;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code requests_per_minute} of the calling principal ({@link TenantPolicies}), after authentication
 * ({@code security/ApiKeyFilter} runs first and sets the {@link Caller}). Every response to a limited principal
 * carries the IETF {@code RateLimit-*} fields so clients can pace themselves; past the limit the answer is {@code 429}
 * problem+json naming the limit, with {@code Retry-After}. The count is per replica (in memory,
 * {@link RequestRateLimiter}). {@code /health} and signed storage links are not authenticated, so not limited; metrics
 * are not a REST resource. A namespace's reads ({@code GET} as {@code ns:<namespace>}) are the operator following its
 * AgentRuns, paced by the operator itself: counting them would let a low per-namespace limit blind the operator, so
 * only a namespace's writes (submissions, cancels) count.
 */
@ApplicationScoped
public class RateLimitFilter {

    static final String LIMIT_NAME = "requests_per_minute";
    private static final String DECISION = RateLimitFilter.class.getName() + ".decision";

    private final Caller caller;
    private final TenantPolicies tenants;
    private final RequestRateLimiter limiter;

    @Inject
    public RateLimitFilter(Caller caller, TenantPolicies tenants, RequestRateLimiter limiter) {
        this.caller = caller;
        this.tenants = tenants;
        this.limiter = limiter;
    }

    /** After ApiKeyFilter (priority {@link Priorities#USER}): lower priorities run first. */
    @ServerRequestFilter(priority = Priorities.USER + 100)
    public Optional<Response> limit(ContainerRequestContext context) {
        if (!caller.authenticated() || operatorRead(context)) {
            return Optional.empty();
        }
        OptionalInt perMinute = tenants.limitsFor(caller.principal()).requestsPerMinute();
        if (perMinute.isEmpty()) {
            return Optional.empty();
        }
        RequestRateLimiter.Decision decision = limiter.consume(caller.principal(), perMinute.getAsInt());
        context.setProperty(DECISION, decision);
        if (decision.allowed()) {
            return Optional.empty();
        }
        return Optional.of(new ProblemMappers().api(ApiException.tooManyRequests(LIMIT_NAME,
                "more than " + decision.limit() + " requests in a minute (requests_per_minute " + decision.limit()
                        + " for this principal, counted per replica); retry after " + decision.retryAfterSeconds()
                        + " s", decision.retryAfterSeconds(), headers(decision))));
    }

    @ServerResponseFilter
    public void addHeaders(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(DECISION) instanceof RequestRateLimiter.Decision decision) {
            headers(decision).forEach((name, value) -> {
                if (!response.getHeaders().containsKey(name)) {
                    response.getHeaders().putSingle(name, value);
                }
            });
        }
    }

    private boolean operatorRead(ContainerRequestContext context) {
        return HttpMethod.GET.equals(context.getMethod())
                && TenantDelegation.namespaceOf(caller.principal()).isPresent();
    }

    static Map<String, String> headers(RequestRateLimiter.Decision decision) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("RateLimit-Limit", Integer.toString(decision.limit()));
        headers.put("RateLimit-Remaining", Long.toString(decision.remaining()));
        headers.put("RateLimit-Reset", Long.toString(decision.resetSeconds()));
        headers.put("RateLimit-Policy", decision.limit() + ";w=" + RequestRateLimiter.WINDOW.toSeconds());
        return headers;
    }
}
