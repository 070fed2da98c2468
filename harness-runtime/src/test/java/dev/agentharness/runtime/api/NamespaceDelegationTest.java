package dev.agentharness.runtime.api;

import dev.agentharness.runtime.testing.ConversationRouter;
import dev.agentharness.runtime.testing.FakeModelResource;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static dev.agentharness.runtime.testing.WithApiKeys.BOB_KEY;
import static dev.agentharness.runtime.testing.WithApiKeys.OPERATOR_KEY;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Namespace delegation (security/TenantDelegation): the operator's key with {@code Agent-Harness-Namespace: <ns>} acts
 * as the tenant {@code ns:<ns>} — its runs belong to that namespace, {@code GET /runs} and idempotency keys are scoped
 * to it, the operator's own principal sees none of them; a key that is no delegate gets 403, a bad namespace 400.
 */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class NamespaceDelegationTest {

    static final String HEADER = "Agent-Harness-Namespace";

    static RequestSpecification operatorFor(String namespace) {
        RequestSpecification request = given().auth().oauth2(OPERATOR_KEY);
        return namespace == null ? request : request.header(HEADER, namespace);
    }

    static String submit(String namespace, String idempotencyKey, String message) {
        return operatorFor(namespace).header("Idempotency-Key", idempotencyKey).header("Prefer", "respond-async")
                .contentType("application/json").body("{\"message\":\"" + message + "\"}")
                .post("/runs").then().statusCode(202).extract().path("run_id");
    }

    static List<String> feed(String namespace, Instant since) {
        return operatorFor(namespace).queryParam("updated_since", since.toString()).queryParam("limit", 500)
                .get("/runs").then().statusCode(200).extract().jsonPath().getList("runs.run_id", String.class);
    }

    @Test
    void aDelegatedRunBelongsToItsNamespace_andTenantsNeverMix() {
        ConversationRouter router = ConversationRouter.installOn(FakeModelResource.server());
        String token = ConversationRouter.token();
        router.route(token, request -> dev.agentharness.fakes.model.Reply.message("hello " + token));
        Instant start = Instant.now().minusSeconds(5);

        String runA = submit("team-a", "agentrun/team-a/x/" + token, "team a " + token);
        String runB = submit("team-b", "agentrun/team-a/x/" + token, "team b " + token);
        assertNotEquals(runA, runB, "an idempotency key is the tenant's own: the same key in another namespace is another run");
        assertEquals(runA, submit("team-a", "agentrun/team-a/x/" + token, "team a " + token), "same tenant, key, body");

        operatorFor("team-a").get("/runs/" + runA).then().statusCode(200).body("run_id", equalTo(runA));
        operatorFor("team-b").get("/runs/" + runA).then().statusCode(404);
        operatorFor(null).get("/runs/" + runA).then().statusCode(404);
        given().auth().oauth2(BOB_KEY).get("/runs/" + runA).then().statusCode(404);
        operatorFor("team-b").post("/runs/" + runA + "/cancel").then().statusCode(404);

        List<String> feedA = feed("team-a", start);
        List<String> feedB = feed("team-b", start);
        assertTrue(feedA.contains(runA) && !feedA.contains(runB), feedA.toString());
        assertTrue(feedB.contains(runB) && !feedB.contains(runA), feedB.toString());
        List<String> own = feed(null, start);
        assertFalse(own.contains(runA) || own.contains(runB), "the operator as itself sees no namespace's runs: " + own);
    }

    @Test
    void onlyDelegatesMayActForANamespace_andOnlyForANamespaceName() {
        given().auth().oauth2(BOB_KEY).header(HEADER, "team-a").get("/runs/run_x").then().statusCode(403)
                .contentType(containsString("application/problem+json"))
                .body("detail", containsString("HARNESS_NAMESPACE_DELEGATES"));
        given().auth().oauth2(BOB_KEY).header(HEADER, "team-a").contentType("application/json")
                .body("{\"message\":\"hi\"}").post("/runs").then().statusCode(403);
        for (String bad : List.of("Team_A", "ns:team-a", "-team", "a".repeat(64))) {
            operatorFor(bad).get("/runs/run_x").then().statusCode(400)
                    .body("detail", containsString("Agent-Harness-Namespace"));
        }
        // Without the header the operator's key is just its own principal.
        operatorFor(null).get("/runs/run_does_not_exist").then().statusCode(404);
    }
}
