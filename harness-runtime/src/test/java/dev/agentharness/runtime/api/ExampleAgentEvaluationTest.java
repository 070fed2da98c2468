package dev.agentharness.runtime.api;

import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_1;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/agent-support.yaml} through the harness's own gate on the FAKE model: its Agent's spec registers as a
 * tenant agent ({@code PUT /agents/support}) and the golden set of its ConfigMap, evaluated against that version
 * ({@code POST /agents/support/evaluations}, every case a real run), passes — what the operator's promotion gate does
 * with the example before the Agent becomes Active.
 */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class ExampleAgentEvaluationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void mayaOnTheFakeModel() {
        FakeModelResource.server().responder(FakeModelServer.mayaDemo());
    }

    @Test
    void theExampleAgentPassesItsGoldenSetAgainstTheFakeModel() throws Exception {
        Map<String, JsonNode> byKind = new LinkedHashMap<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(Path.of("../examples/agent-support.yaml").toFile())) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                byKind.put(document.path("kind").asText(), document);
            }
        }
        JsonNode agent = byKind.get("Agent");
        String name = agent.path("metadata").path("name").asText();
        Map<String, Object> spec = JSON.convertValue(agent.path("spec"), new TypeReference<>() { });
        JsonNode ref = agent.path("spec").path("evaluation").path("goldenSet").path("configMapKeyRef");
        String golden = byKind.get("ConfigMap").path("data").path(ref.path("key").asText()).asText();

        Response registered = given().auth().oauth2(ALICE_KEY_1).contentType("application/json").body(spec)
                .put("/agents/" + name);
        assertTrue(registered.statusCode() == 201 || registered.statusCode() == 200, registered.asString());
        String version = registered.jsonPath().getString("version");

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("dataset", golden);
        body.put("threshold", agent.path("spec").path("evaluation").path("threshold").asDouble(1.0));
        Response started = given().auth().oauth2(ALICE_KEY_1).contentType("application/json").body(body)
                .post("/agents/" + name + "/evaluations");
        assertTrue(started.statusCode() == 202 || started.statusCode() == 200, started.asString());

        JsonPath result = AgentEvaluationsApiTest.finished(ALICE_KEY_1, name, started.jsonPath().getString("id"));
        assertEquals("passed", result.getString("status"), result.prettify());
        assertEquals(5, result.getInt("cases"));
        assertEquals(5, result.getInt("passed"));
    }
}
