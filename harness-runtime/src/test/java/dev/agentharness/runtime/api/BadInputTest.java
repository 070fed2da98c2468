package dev.agentharness.runtime.api;

import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.testing.WithFakeModel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every malformed {@code POST /runs} gets a precise 4xx problem and writes nothing. */
@QuarkusTest
@TestProfile(WithFakeModel.class)
class BadInputTest {

    @Inject
    Database database;

    static Stream<Arguments> badRequests() {
        String huge = "x".repeat(64 * 1024 + 1);
        return Stream.of(
                Arguments.of("malformed JSON", "{\"message\": ", 400, "malformed JSON"),
                Arguments.of("not an object", "[1,2]", 400, "invalid JSON body"),
                Arguments.of("missing message", "{}", 400, "'message' is required"),
                Arguments.of("null message", "{\"message\":null}", 400, "'message' is required"),
                Arguments.of("blank message", "{\"message\":\"   \"}", 400, "'message' must not be blank"),
                Arguments.of("message over 64 KiB", "{\"message\":\"" + huge + "\"}", 400, "the limit is 65536 bytes"),
                Arguments.of("message with a NUL character", "{\"message\":\"hi\\u0000there\"}", 400,
                        "field 'message' must not contain the NUL character (U+0000)"),
                Arguments.of("metadata value with a NUL character", "{\"message\":\"hi\",\"metadata\":{\"k\":\"a\\u0000\"}}",
                        400, "field 'metadata.k' must not contain the NUL character"),
                Arguments.of("message of the wrong type", "{\"message\":5}", 400, "field 'message'"),
                Arguments.of("message as an array", "{\"message\":[\"hi\"]}", 400, "field 'message'"),
                Arguments.of("unknown field", "{\"mesage\":\"hi\"}", 400, "unknown field 'mesage'"),
                Arguments.of("unknown agent", "{\"message\":\"hi\",\"agent\":\"zed\"}", 400, "unknown agent 'zed'"),
                Arguments.of("max_turns zero", "{\"message\":\"hi\",\"max_turns\":0}", 400, "'max_turns' must be between 1 and 100"),
                Arguments.of("max_turns negative", "{\"message\":\"hi\",\"max_turns\":-3}", 400, "'max_turns' must be between 1 and 100"),
                Arguments.of("max_turns absurd", "{\"message\":\"hi\",\"max_turns\":100000}", 400, "'max_turns' must be between 1 and 100"),
                Arguments.of("max_turns as text", "{\"message\":\"hi\",\"max_turns\":\"ten\"}", 400, "field 'max_turns'"),
                Arguments.of("max_turns as float", "{\"message\":\"hi\",\"max_turns\":2.5}", 400, "field 'max_turns'"),
                Arguments.of("timeout_seconds zero", "{\"message\":\"hi\",\"timeout_seconds\":0}", 400, "'timeout_seconds'"),
                Arguments.of("save_artifact as text", "{\"message\":\"hi\",\"save_artifact\":\"yes\"}", 400, "field 'save_artifact'"),
                Arguments.of("bad session id", "{\"message\":\"hi\",\"session_id\":\"a b\"}", 400, "'session_id' must match"),
                Arguments.of("metadata value not a string", "{\"message\":\"hi\",\"metadata\":{\"k\":{\"x\":1}}}", 400, "metadata"),
                Arguments.of("manifest without a sandbox provider", "{\"message\":\"hi\",\"manifest\":{\"root\":\"/workspace\"}}", 422, "no sandbox provider"),
                Arguments.of("trailing garbage", "{\"message\":\"hi\"} {}", 400, "JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isRejectedWithAPreciseProblemAndNoRunRow(String name, String body, int status, String detail) {
        long before = runCount();
        given().contentType("application/json").body(body).post("/runs")
                .then().statusCode(status)
                .contentType(containsString("application/problem+json"))
                .body("status", equalTo(status))
                .body("detail", containsString(detail));
        assertEquals(before, runCount(), name + " must not create a run");
    }

    @org.junit.jupiter.api.Test
    void aBodyThatIsNotJsonIs415() {
        long before = runCount();
        given().contentType("text/plain").body("hello").post("/runs").then().statusCode(415)
                .contentType(containsString("application/problem+json"));
        assertEquals(before, runCount());
    }

    @org.junit.jupiter.api.Test
    void aBadIdempotencyKeyIs400() {
        long before = runCount();
        given().contentType("application/json").header("Idempotency-Key", "has space")
                .body("{\"message\":\"hi\"}").post("/runs").then().statusCode(400)
                .body("detail", containsString("Idempotency-Key"));
        assertEquals(before, runCount());
    }

    private long runCount() {
        return database.pool().query("select count(*) from public.runs").execute()
                .toCompletionStage().toCompletableFuture().join().iterator().next().getLong(0);
    }
}
