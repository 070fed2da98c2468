package dev.agentharness.runtime.api;

import dev.agentharness.runtime.agent.BuiltInAgents;
import dev.agentharness.runtime.testing.WithApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_1;
import static dev.agentharness.runtime.testing.WithApiKeys.ALICE_KEY_2;
import static dev.agentharness.runtime.testing.WithApiKeys.BOB_KEY;
import static dev.agentharness.runtime.testing.WithApiKeys.OPERATOR_KEY;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /agents} (harness-api AgentsApi) on the real harness and PostgreSQL: register (201, then 200 with the same
 * version), 422 naming the field, 409 for a reserved name, the view, activation, 404s, tenants kept apart (keys and
 * namespace delegation), built-in agents with their version.
 */
@QuarkusTest
@TestProfile(WithApiKeys.class)
class AgentsApiTest {

    static RequestSpecification as(String key) {
        return given().auth().oauth2(key).contentType("application/json");
    }

    /** A name no other test (or earlier run on the same database) used. */
    static String fresh(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Map<String, Object> support(String instructions) {
        return Map.of("instructions", instructions, "description", "First-line support.",
                "tools", List.of("lookup_account", "draft_reply"), "handoffs", List.of("billing"),
                "inputGuardrails", List.of("no_card_numbers"), "outputGuardrails", List.of("no_secrets"),
                "modelSettings", Map.of("temperature", 1), "evaluators",
                List.of(Map.of("name", "short", "reply_max_length", 1200)),
                "evaluation", Map.of("goldenSet", Map.of("configMapKeyRef", Map.of("name", "golden", "key", "g.jsonl")),
                        "threshold", 0.9));
    }

    @Test
    void registerTwice_sameVersion_201Then200_notActiveUntilActivated() {
        String name = fresh("support");
        JsonPath first = as(ALICE_KEY_1).body(support("Help the customer.")).put("/agents/" + name)
                .then().statusCode(201).header("Location", startsWith("/agents/" + name + "/versions/sha256%3A"))
                .extract().jsonPath();
        String version = first.getString("version");
        assertTrue(version.matches("sha256:[0-9a-f]{64}"), version);
        assertTrue(first.getBoolean("created"));
        assertFalse(first.getBoolean("active"), "registering does not activate");
        assertNull(first.get("spec.evaluation"), "evaluation is not part of a version");
        assertEquals(1.0f, first.getFloat("spec.modelSettings.temperature"));

        // Same meaning, other key order and 1.0 for 1: the same version; alice's second key is the same tenant.
        Map<String, Object> same = new java.util.LinkedHashMap<>(support("Help the customer."));
        same.put("modelSettings", Map.of("temperature", 1.0));
        same.remove("evaluation");
        JsonPath again = as(ALICE_KEY_2).body(same).put("/agents/" + name).then().statusCode(200).extract().jsonPath();
        assertEquals(version, again.getString("version"));
        assertFalse(again.getBoolean("created"));

        JsonPath view = as(ALICE_KEY_1).get("/agents/" + name).then().statusCode(200).extract().jsonPath();
        assertEquals("api", view.getString("source"));
        assertNull(view.get("active_version"));
        assertEquals(List.of(version), view.getList("versions.version"));

        as(ALICE_KEY_1).get("/agents/" + name + "/versions/" + version).then().statusCode(200)
                .body("spec.instructions", equalTo("Help the customer."))
                .body("spec.tools", equalTo(List.of("lookup_account", "draft_reply")))
                .body("active", equalTo(false));

        String second = as(ALICE_KEY_1).body(support("Help the customer kindly.")).put("/agents/" + name)
                .then().statusCode(201).extract().path("version");
        assertNotEquals(version, second);

        JsonPath activated = as(ALICE_KEY_1).body(Map.of("version", version)).put("/agents/" + name + "/active")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(version, activated.getString("active_version"));
        assertEquals(2, activated.getList("versions").size());
        assertEquals(List.of(second, version), activated.getList("versions.version"), "newest first");
        assertEquals(List.of(false, true), activated.getList("versions.active"));
        as(ALICE_KEY_1).get("/agents/" + name + "/versions/" + version).then().statusCode(200)
                .body("active", equalTo(true));
        // Re-registering the active spec says so.
        as(ALICE_KEY_1).body(support("Help the customer.")).put("/agents/" + name).then().statusCode(200)
                .body("active", equalTo(true)).body("created", equalTo(false));
    }

    @Test
    void badSpecs_422NamingTheField() {
        String name = fresh("bad");
        as(ALICE_KEY_1).body(Map.of("description", "no instructions")).put("/agents/" + name)
                .then().statusCode(422).contentType(containsString("application/problem+json"))
                .body("detail", containsString("instructions")).body("field", equalTo("instructions"));
        as(ALICE_KEY_1).body(Map.of("instructions", "x", "tools", List.of("lookup_account", "launch_rockets")))
                .put("/agents/" + name).then().statusCode(422)
                .body("field", equalTo("tools[1]")).body("detail", containsString("unknown tool 'launch_rockets'"));
        as(ALICE_KEY_1).body(Map.of("instructions", "x", "outputGuardrails", List.of("no_swearing")))
                .put("/agents/" + name).then().statusCode(422).body("field", equalTo("outputGuardrails[0]"));
        as(ALICE_KEY_1).body(Map.of("instructions", "x", "evaluators",
                        List.of(Map.of("name", "e", "no_such_grader", true))))
                .put("/agents/" + name).then().statusCode(422).body("field", startsWith("evaluators[0]"));
        as(ALICE_KEY_1).body(Map.of("instructions", "x", "handoffs", List.of("nobody")))
                .put("/agents/" + name).then().statusCode(422).body("field", equalTo("handoffs[0]"))
                .body("detail", containsString("unknown agent 'nobody'"));
        as(ALICE_KEY_1).body(Map.of("instructions", "x", "sandboxManifestRef", Map.of("name", "m")))
                .put("/agents/" + name).then().statusCode(422).body("field", equalTo("sandboxManifestRef"));
        // Everything wrong at once, each named.
        List<String> fields = as(ALICE_KEY_1).body(Map.of("tools", List.of("nope"), "colour", "blue"))
                .put("/agents/" + name).then().statusCode(422).extract().jsonPath().getList("problems.field");
        assertTrue(fields.containsAll(List.of("colour", "instructions", "tools[0]")), fields.toString());
        // Nothing was stored.
        as(ALICE_KEY_1).get("/agents/" + name).then().statusCode(404);
    }

    @Test
    void handoffCycle_422NamingTheHandoff_andActivationRechecks() {
        String a = fresh("cyc-a");
        String b = fresh("cyc-b");
        String va = as(BOB_KEY).body(Map.of("instructions", "a")).put("/agents/" + a).then().statusCode(201)
                .extract().path("version");
        as(BOB_KEY).body(Map.of("version", va)).put("/agents/" + a + "/active").then().statusCode(200);
        // b → a is fine while a hands off to nobody.
        String vb = as(BOB_KEY).body(Map.of("instructions", "b", "handoffs", List.of(a))).put("/agents/" + b)
                .then().statusCode(201).extract().path("version");
        as(BOB_KEY).body(Map.of("version", vb)).put("/agents/" + b + "/active").then().statusCode(200);
        // a → b now closes a cycle a → b → a.
        as(BOB_KEY).body(Map.of("instructions", "a2", "handoffs", List.of(b))).put("/agents/" + a)
                .then().statusCode(422).body("field", equalTo("handoffs[0]"))
                .body("detail", containsString("handoff cycle"));
        // Handing off to a tenant agent that is registered but not active: unknown.
        String c = fresh("cyc-c");
        as(BOB_KEY).body(Map.of("instructions", "c")).put("/agents/" + c).then().statusCode(201);
        as(BOB_KEY).body(Map.of("instructions", "d", "handoffs", List.of(c))).put("/agents/" + fresh("cyc-d"))
                .then().statusCode(422).body("field", equalTo("handoffs[0]"));
    }

    @Test
    void reservedNames_409() {
        as(ALICE_KEY_1).body(Map.of("instructions", "I am Maya now")).put("/agents/" + BuiltInAgents.MAYA)
                .then().statusCode(409).contentType(containsString("application/problem+json"))
                .body("detail", containsString("reserved")).body("field", equalTo("name"));
        as(ALICE_KEY_1).body(Map.of("version", "sha256:" + "0".repeat(64))).put("/agents/billing/active")
                .then().statusCode(409);
    }

    @Test
    void builtInAgents_showTheirVersion() {
        JsonPath maya = as(ALICE_KEY_1).get("/agents/maya").then().statusCode(200).extract().jsonPath();
        assertEquals("builtin", maya.getString("source"));
        String version = maya.getString("active_version");
        assertTrue(version.matches("sha256:[0-9a-f]{64}"), version);
        assertEquals(List.of(version), maya.getList("versions.version"));
        as(BOB_KEY).get("/agents/maya").then().statusCode(200).body("active_version", equalTo(version));
        as(ALICE_KEY_1).get("/agents/maya/versions/" + version).then().statusCode(200)
                .body("spec.tools", equalTo(List.of("lookup_account", "draft_reply")))
                .body("spec.handoffs", equalTo(List.of("billing")))
                .body("spec.inputGuardrails", equalTo(List.of("no_card_numbers")))
                .body("spec.evaluators.name", equalTo(List.of("reply_length", "no_card_number", "turns")));
        as(ALICE_KEY_1).get("/agents/maya/versions/sha256:" + "0".repeat(64)).then().statusCode(404);
    }

    @Test
    void notFound_404() {
        String name = fresh("ghost");
        as(ALICE_KEY_1).get("/agents/" + name).then().statusCode(404)
                .contentType(containsString("application/problem+json"));
        as(ALICE_KEY_1).get("/agents/" + name + "/versions/sha256:" + "1".repeat(64)).then().statusCode(404);
        as(ALICE_KEY_1).body(Map.of("version", "sha256:" + "1".repeat(64))).put("/agents/" + name + "/active")
                .then().statusCode(404);
        String version = as(ALICE_KEY_1).body(Map.of("instructions", "x")).put("/agents/" + name).then()
                .statusCode(201).extract().path("version");
        as(ALICE_KEY_1).get("/agents/" + name + "/versions/sha256:" + "1".repeat(64)).then().statusCode(404);
        as(ALICE_KEY_1).body(Map.of("version", "sha256:" + "1".repeat(64))).put("/agents/" + name + "/active")
                .then().statusCode(404);
        as(ALICE_KEY_1).body(Map.of()).put("/agents/" + name + "/active").then().statusCode(422)
                .body("field", equalTo("version"));
        as(ALICE_KEY_1).body(Map.of("version", version)).put("/agents/" + name + "/active").then().statusCode(200);
    }

    @Test
    void anotherTenantCannotSeeIt_namespacesAreTenants() {
        String name = fresh("private");
        String version = as(ALICE_KEY_1).body(Map.of("instructions", "alice's")).put("/agents/" + name).then()
                .statusCode(201).extract().path("version");
        as(BOB_KEY).get("/agents/" + name).then().statusCode(404);
        as(BOB_KEY).get("/agents/" + name + "/versions/" + version).then().statusCode(404);
        as(BOB_KEY).body(Map.of("version", version)).put("/agents/" + name + "/active").then().statusCode(404);
        // Bob may register the same name and spec: his own agent, his own (equal) version, new for him.
        as(BOB_KEY).body(Map.of("instructions", "alice's")).put("/agents/" + name).then().statusCode(201)
                .body("version", equalTo(version));

        // The operator acting for namespace team-a is tenant ns:team-a, neither itself nor team-b.
        String ns = fresh("nsagent");
        as(OPERATOR_KEY).header(NamespaceDelegationTest.HEADER, "team-a").body(Map.of("instructions", "ns"))
                .put("/agents/" + ns).then().statusCode(201);
        as(OPERATOR_KEY).header(NamespaceDelegationTest.HEADER, "team-a").get("/agents/" + ns).then().statusCode(200);
        as(OPERATOR_KEY).header(NamespaceDelegationTest.HEADER, "team-b").get("/agents/" + ns).then().statusCode(404);
        as(OPERATOR_KEY).get("/agents/" + ns).then().statusCode(404);
    }

    @Test
    void unauthenticated_401() {
        given().contentType("application/json").body(Map.of("instructions", "x")).put("/agents/" + fresh("anon"))
                .then().statusCode(401);
    }
}
