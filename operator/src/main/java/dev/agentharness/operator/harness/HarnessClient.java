package dev.agentharness.operator.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The operator's side of the harness HTTP contract: calls {@link HarnessApi} (a REST client built
 * from the same interface the harness implements) and sorts every failure into
 * <em>retry later</em> ({@link HarnessUnavailableException}; {@link HarnessThrottledException} when the namespace is
 * at a limit or suspended) or <em>the request is wrong</em> ({@link HarnessRejectedException}), with messages safe
 * for a CR status.
 *
 * <p><b>Every call acts for a namespace.</b> It carries {@code Agent-Harness-Namespace: <namespace>}: the harness
 * accepts that header from the operator's principal (its {@code HARNESS_NAMESPACE_DELEGATES}) and then treats the
 * call as the namespace's own principal {@code ns:<namespace>} — runs, sessions, limits and spend are the
 * namespace's, and {@code GET /runs} shows only its runs. The header is fixed per REST client: one client per
 * namespace ({@code apiFor}), built on first use and kept, so no call can ever go out with another call's namespace.
 */
public class HarnessClient {

    /** The harness's delegation header (its {@code security/TenantDelegation.HEADER}). */
    public static final String NAMESPACE_HEADER = "Agent-Harness-Namespace";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SUSPENDED = Pattern.compile("(?i)suspend");
    private static final Pattern LIMIT_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    private final Function<String, HarnessApi> apiFor;
    private final Map<String, HarnessApi> apis = new ConcurrentHashMap<>();
    private final String token;
    private final MeterRegistry meters;

    /**
     * @param apiFor the REST client for a namespace: it must send {@value #NAMESPACE_HEADER} with that namespace
     * @param token  the API token, only to scrub it from any text that echoes it; may be null
     */
    public HarnessClient(Function<String, HarnessApi> apiFor, String token, MeterRegistry meters) {
        this.apiFor = apiFor;
        this.token = token;
        this.meters = meters;
    }

    private HarnessApi api(String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            throw new IllegalArgumentException("every harness call acts for a namespace");
        }
        return apis.computeIfAbsent(namespace, apiFor);
    }

    /**
     * {@code POST /runs} with {@code Prefer: respond-async}: returns at once with the run as it
     * stands. The same key and body return the same run, however often this is called.
     */
    public RunResponse submit(String namespace, String idempotencyKey, RunRequest request) {
        return call("submit", () -> {
            Response response = api(namespace).createRun(idempotencyKey, HarnessApi.RESPOND_ASYNC, request);
            try {
                if (response.getStatus() >= 400) {
                    throw new WebApplicationException(response);
                }
                return response.readEntity(RunResponse.class);
            } finally {
                response.close();
            }
        });
    }

    /** {@code GET /runs/{id}}. */
    public RunResponse run(String namespace, String runId) {
        return call("get", () -> api(namespace).getRun(runId));
    }

    /** {@code GET /runs?updated_since=&limit=}: the first page of the namespace's runs changed since {@code instant}. */
    public RunPage changedSince(String namespace, String instant, int limit) {
        return call("list", () -> api(namespace).listRuns(instant, null, limit));
    }

    /** {@code GET /runs?cursor=&limit=}: the page after {@code cursor}, a previous page's {@code next_cursor}. */
    public RunPage changedAfter(String namespace, String cursor, int limit) {
        return call("list", () -> api(namespace).listRuns(null, cursor, limit));
    }

    /** {@code POST /runs/{id}/cancel}: a queued run ends at once, a running one at its next turn. */
    public RunResponse cancel(String namespace, String runId) {
        return call("cancel", () -> api(namespace).cancelRun(runId));
    }

    /** Runs one call and sorts its failure like every other harness call ({@link HarnessAgents} uses it too). */
    <T> T call(String operation, Supplier<T> call) {
        try {
            T result = call.get();
            count(operation, "ok");
            return result;
        } catch (WebApplicationException e) {
            Response response = e.getResponse();
            int status = response == null ? 500 : response.getStatus();
            JsonNode problem = problem(response);
            String detail = detail(problem);
            if (status == 403 && suspension(problem)) {
                count(operation, "suspended");
                throw new HarnessThrottledException(true, limit(problem).orElse("suspended"), retryAfter(response),
                        "the namespace is suspended on the harness (403" + (detail.isEmpty() ? "" : ": " + detail) + ")");
            }
            if (status == 429 || status == 402) {
                count(operation, "throttled");
                String limit = limit(problem).orElse(null);
                throw new HarnessThrottledException(false, limit, retryAfter(response),
                        "the harness is holding back the namespace's requests (" + status
                                + (limit == null ? "" : ", limit " + limit) + (detail.isEmpty() ? "" : ": " + detail) + ")");
            }
            if (status == 401) {
                count(operation, "unauthorized");
                throw new HarnessUnavailableException("the harness refused the operator's API token (401); check "
                        + "HARNESS_API_TOKEN against the harness's HARNESS_API_KEYS");
            }
            if (status == 403) {
                count(operation, "unauthorized");
                throw new HarnessUnavailableException("the harness refused the operator (403"
                        + (detail.isEmpty() ? "" : ": " + detail) + "); check HARNESS_API_TOKEN against the harness's "
                        + "HARNESS_API_KEYS and that the operator's principal is in its HARNESS_NAMESPACE_DELEGATES");
            }
            if (status == 408 || status >= 500) {
                count(operation, "unavailable");
                throw new HarnessUnavailableException("the harness answered " + status
                        + (detail.isEmpty() ? "" : ": " + detail));
            }
            count(operation, "rejected");
            throw new HarnessRejectedException(status, detail.isEmpty() ? "HTTP " + status : detail);
        } catch (ProcessingException e) {
            count(operation, "unreachable");
            throw new HarnessUnavailableException("the harness is unreachable (" + rootCause(e) + ")");
        }
    }

    private static JsonNode problem(Response response) {
        if (response == null) {
            return MissingNode.getInstance();
        }
        try {
            String body = response.readEntity(String.class);
            if (body == null || body.isBlank()) {
                return MissingNode.getInstance();
            }
            JsonNode problem = JSON.readTree(body);
            return problem.isObject() ? problem : MissingNode.getInstance();
        } catch (RuntimeException | java.io.IOException notAProblem) {
            return MissingNode.getInstance();
        }
    }

    private String detail(JsonNode problem) {
        return Redaction.clean(problem.path("detail").asText(problem.path("title").asText("")), token);
    }

    /**
     * The limit a problem names: its {@code limit} member (the harness's quota and budget problems), else a
     * {@code budget} member; only when it looks like a name (it goes into a status).
     */
    static java.util.Optional<String> limit(JsonNode problem) {
        for (String member : new String[]{"limit", "budget"}) {
            String value = problem.path(member).asText("");
            if (LIMIT_NAME.matcher(value).matches()) {
                return java.util.Optional.of(value);
            }
        }
        return java.util.Optional.empty();
    }

    /** A 403 for a suspended tenant names the suspension in its limit, type, title or reason member. */
    static boolean suspension(JsonNode problem) {
        for (String member : new String[]{"limit", "type", "title", "reason"}) {
            if (SUSPENDED.matcher(problem.path(member).asText("")).find()) {
                return true;
            }
        }
        return false;
    }

    /** {@code Retry-After} as delay-seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(Response response) {
        String value = response == null ? null : response.getHeaderString("Retry-After");
        return retryAfter(value, Instant.now());
    }

    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(now, ZonedDateTime.parse(v,
                        DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT)).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /** The innermost cause's class name: says "ConnectException" without echoing hosts or URLs. */
    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName();
    }

    private void count(String operation, String outcome) {
        if (meters != null) {
            meters.counter("agentharness.operator.harness.calls", "operation", operation, "outcome", outcome).increment();
        }
    }
}
