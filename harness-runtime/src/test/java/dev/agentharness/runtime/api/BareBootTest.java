package dev.agentharness.runtime.api;

import dev.agentharness.runtime.state.Database;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The harness booted with no environment at all: no model key, no database URL, no storage, no sandbox. */
@QuarkusTest
class BareBootTest {

    static final String QUICK_WIN =
            "{\"status\":\"ok\",\"model\":\"gpt-5.4-mini\",\"backends\":{\"postgres\":false,\"sandbox\":false,\"r2\":false}}";

    @Inject
    Database database;

    @Test
    void healthIsExactlyTheQuickWinDocument() {
        String body = given().get("/health").then().statusCode(200)
                .contentType("application/json").extract().asString();
        assertEquals(QUICK_WIN, body);
    }

    @Test
    void docsAndOpenApiAreServed() {
        given().get("/docs/").then().statusCode(200).body(containsString("swagger"));
        given().accept("application/json").get("/openapi").then().statusCode(200)
                .body(containsString("\"/runs\""))
                .body(containsString("\"/runs/{id}\""))
                .body(containsString("\"/sessions/{id}\""));
    }

    @Test
    void probesAndMetricsAreSeparateFromHealth() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/metrics").then().statusCode(200).body(containsString("jvm_"));
    }

    @Test
    void withoutAModelKeyRunsAreRefusedWith503NamingTheVariableAndNothingIsWritten() {
        long before = runCount();
        given().contentType("application/json").body("{\"message\":\"hello\"}")
                .post("/runs").then().statusCode(503)
                .contentType(containsString("application/problem+json"))
                .body("status", equalTo(503))
                .body("detail", containsString("OPENAI_API_KEY"));
        assertEquals(before, runCount());
        assertEquals(QUICK_WIN, RestAssured.get("/health").asString());
    }

    private long runCount() {
        return database.pool().query("select count(*) from public.runs").execute()
                .toCompletionStage().toCompletableFuture().join().iterator().next().getLong(0);
    }
}
