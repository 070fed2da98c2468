package dev.agentharness.fakes.e2b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fake's contract checker really applies openapi.yml, with OpenAPI 3.0 semantics. */
class E2bSpecTest {

    static final E2bSpec SPEC = E2bSpec.load();
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    E2bSpec.Operation op(String method, String path) {
        return SPEC.operation(method, path).orElseThrow();
    }

    @Test
    void aMinimalCreateBodyIsValidAndTypeErrorsOrMissingFieldsAreNot() throws Exception {
        E2bSpec.Operation create = op("POST", "/sandboxes");
        assertEquals(List.of(), SPEC.checkRequestBody(create, json("""
                {"templateID":"base","timeout":300,"secure":true,"allow_internet_access":false,
                 "metadata":{"run_id":"run_1"},"network":{"allowOut":["pypi.org"],"denyOut":["0.0.0.0/0"]}}""")));
        assertFalse(SPEC.checkRequestBody(create, json("{\"timeout\":300}")).isEmpty(), "templateID is required");
        assertFalse(SPEC.checkRequestBody(create, json("{\"templateID\":\"base\",\"timeout\":\"300\"}")).isEmpty());
        assertFalse(SPEC.checkRequestBody(create, json("{\"templateID\":\"base\",\"timeout\":-1}")).isEmpty());
        assertFalse(SPEC.checkRequestBody(create, json("{\"templateID\":\"base\",\"metadata\":{\"a\":1}}")).isEmpty());
        assertFalse(SPEC.checkRequestBody(create, null).isEmpty(), "the body is required");
    }

    @Test
    void misspeltFieldsAreViolationsBecauseTheFakeClosesObjectSchemas() throws Exception {
        List<String> problems = SPEC.checkRequestBody(op("POST", "/sandboxes"),
                json("{\"templateID\":\"base\",\"allowInternetAccess\":false}"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("allowInternetAccess"), problems.toString());
    }

    @Test
    void nullableFollowsOpenApi30() throws Exception {
        E2bSpec.Operation create = op("POST", "/sandboxes");
        String sandbox = "{\"templateID\":\"base\",\"sandboxID\":\"i1\",\"clientID\":\"c\",\"envdVersion\":\"0.6.4\",\"domain\":%s}";
        assertEquals(List.of(), SPEC.checkResponse(create, 201, json(sandbox.formatted("null"))));
        assertEquals(List.of(), SPEC.checkResponse(create, 201, json(sandbox.formatted("\"e2b.app\""))));
        assertFalse(SPEC.checkResponse(create, 201, json(sandbox.formatted("7"))).isEmpty());
        assertFalse(SPEC.checkResponse(create, 200, json(sandbox.formatted("null"))).isEmpty(), "create answers 201");
    }

    @Test
    void queryParametersAreCheckedAgainstTheirSchemas() {
        E2bSpec.Operation list = op("GET", "/v2/sandboxes");
        assertEquals(List.of(), SPEC.checkQuery(list, Map.of("metadata", List.of("a=b"), "state", List.of("running,paused"),
                "limit", List.of("100"))));
        assertFalse(SPEC.checkQuery(list, Map.of("limit", List.of("101"))).isEmpty());
        assertFalse(SPEC.checkQuery(list, Map.of("state", List.of("running,dead"))).isEmpty());
        assertFalse(SPEC.checkQuery(list, Map.of("metdata", List.of("a=b"))).isEmpty());
    }

    @Test
    void operationsResolveLiteralAndTemplatedPaths() {
        assertEquals("/sandboxes/{sandboxID}", op("GET", "/sandboxes/abc").template());
        assertEquals("/sandboxes/{sandboxID}/connect", op("POST", "/sandboxes/abc/connect").template());
        assertEquals("/sandboxes", op("POST", "/sandboxes").template());
        assertTrue(SPEC.operation("POST", "/sandboxes/abc/nope").isEmpty());
    }
}
