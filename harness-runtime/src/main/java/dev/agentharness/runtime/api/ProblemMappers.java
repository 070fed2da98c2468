package dev.agentharness.runtime.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.agentharness.api.Problem;
import dev.agentharness.runtime.runs.RunRejectedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Every error leaves the API as {@code application/problem+json} with a detail precise enough to
 * fix the request. Unexpected failures get a generic detail: their messages may carry internals.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Problem problem = Problem.of(e.status(), e.title(), e.getMessage());
        for (var member : new TreeMap<>(e.members()).entrySet()) {
            problem = problem.with(member.getKey(), member.getValue());
        }
        Response.ResponseBuilder builder = Response.status(e.status())
                .type(Problem.MEDIA_TYPE)
                .entity(problem);
        e.headers().forEach(builder::header);
        return builder.build();
    }

    /** The one place a refusal of {@code runs} becomes an HTTP status. */
    @ServerExceptionMapper
    public Response rejected(RunRejectedException e) {
        return api(switch (e.kind()) {
            case INVALID -> ApiException.badRequest(e.getMessage());
            case NOT_FOUND -> ApiException.notFound(e.getMessage());
            case CONFLICT -> new ApiException(409, "Conflict", e.getMessage(), Map.of(), e.members());
            case UNPROCESSABLE -> new ApiException(422, "Unprocessable Content", e.getMessage(), Map.of(), e.members());
            case UNAVAILABLE -> ApiException.unavailable(e.getMessage(), e.retryAfterSeconds().orElse(5));
            case THROTTLED -> ApiException.tooManyRequests(e.getMessage(), e.retryAfterSeconds().orElse(5), Map.of(),
                    limitAndMembers(e));
            case FORBIDDEN -> new ApiException(403, "Forbidden", e.getMessage(), Map.of(), limitAndMembers(e));
        });
    }

    /** {@code limit} and the refusal's other problem members (a budget's spend and reset, who suspended whom). */
    private static Map<String, Object> limitAndMembers(RunRejectedException e) {
        Map<String, Object> members = new LinkedHashMap<>(e.members());
        if (e.limit() != null) {
            members.put("limit", e.limit());
        }
        return members;
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        return badRequest("unknown field '" + e.getPropertyName() + "'"
                + (e.getKnownPropertyIds() == null ? "" : " (known: " + e.getKnownPropertyIds().stream()
                .map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")"));
    }

    @ServerExceptionMapper
    public Response malformed(JsonParseException e) {
        return badRequest("malformed JSON: " + e.getOriginalMessage());
    }

    /** More specific than Quarkus's built-in mapper for this type, which answers plain JSON. */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return wrongType(e);
    }

    @ServerExceptionMapper
    public Response wrongType(JsonMappingException e) {
        String field = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        String why = e.getOriginalMessage();
        int cut = why.indexOf(" at [Source");
        if (cut > 0) {
            why = why.substring(0, cut);
        }
        return badRequest(field.isEmpty() ? "invalid JSON body: " + why : "field '" + field + "': " + why.split("\n")[0]);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return badRequest("invalid JSON body: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof UnrecognizedPropertyException unknown) {
            return unknownField(unknown);
        }
        if (e.getCause() instanceof JsonParseException parse) {
            return malformed(parse);
        }
        if (e.getCause() instanceof JsonMappingException mapping) {
            return wrongType(mapping);
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 406 -> "this resource answers application/json";
            case 415 -> "send the body as application/json";
            default -> title;
        };
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(status, title, detail)).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.error("unexpected error while serving a request", e);
        return Response.status(500).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(500, "Internal Server Error", "the harness failed to serve this request; see its logs"))
                .build();
    }

    private static Response badRequest(String detail) {
        return Response.status(400).type(Problem.MEDIA_TYPE).entity(Problem.of(400, "Bad Request", detail)).build();
    }
}
