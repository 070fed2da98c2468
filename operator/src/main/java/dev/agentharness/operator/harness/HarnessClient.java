package dev.agentharness.operator.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.RunPage;
import dev.agentharness.api.RunRequest;
import dev.agentharness.api.RunResponse;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import java.util.function.Supplier;

/**
 * The operator's side of the harness HTTP contract: calls {@link HarnessApi} (a REST client built
 * from the same interface the harness implements) and sorts every failure into
 * <em>retry later</em> ({@link HarnessUnavailableException}) or <em>the request is wrong</em>
 * ({@link HarnessRejectedException}), with messages safe for a CR status.
 */
public class HarnessClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HarnessApi api;
    private final String token;
    private final MeterRegistry meters;

    /** @param token the API token, only to scrub it from any text that echoes it; may be null */
    public HarnessClient(HarnessApi api, String token, MeterRegistry meters) {
        this.api = api;
        this.token = token;
        this.meters = meters;
    }

    /**
     * {@code POST /runs} with {@code Prefer: respond-async}: returns at once with the run as it
     * stands. The same key and body return the same run, however often this is called.
     */
    public RunResponse submit(String idempotencyKey, RunRequest request) {
        return call("submit", () -> {
            Response response = api.createRun(idempotencyKey, HarnessApi.RESPOND_ASYNC, request);
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
    public RunResponse run(String runId) {
        return call("get", () -> api.getRun(runId));
    }

    /** {@code GET /runs?updated_since=&limit=}: the first page of the operator's runs changed since {@code instant}. */
    public RunPage changedSince(String instant, int limit) {
        return call("list", () -> api.listRuns(instant, null, limit));
    }

    /** {@code GET /runs?cursor=&limit=}: the page after {@code cursor}, a previous page's {@code next_cursor}. */
    public RunPage changedAfter(String cursor, int limit) {
        return call("list", () -> api.listRuns(null, cursor, limit));
    }

    /** {@code POST /runs/{id}/cancel}: a queued run ends at once, a running one at its next turn. */
    public RunResponse cancel(String runId) {
        return call("cancel", () -> api.cancelRun(runId));
    }

    private <T> T call(String operation, Supplier<T> call) {
        try {
            T result = call.get();
            count(operation, "ok");
            return result;
        } catch (WebApplicationException e) {
            int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
            String detail = detail(e.getResponse());
            if (status == 401 || status == 403) {
                count(operation, "unauthorized");
                throw new HarnessUnavailableException("the harness refused the operator's API token (" + status
                        + "); check HARNESS_API_TOKEN against the harness's HARNESS_API_KEYS");
            }
            if (status == 408 || status == 429 || status >= 500) {
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

    private String detail(Response response) {
        if (response == null) {
            return "";
        }
        try {
            String body = response.readEntity(String.class);
            if (body == null || body.isBlank()) {
                return "";
            }
            JsonNode problem = JSON.readTree(body);
            return Redaction.clean(problem.path("detail").asText(problem.path("title").asText("")), token);
        } catch (RuntimeException | java.io.IOException notAProblem) {
            return "";
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
