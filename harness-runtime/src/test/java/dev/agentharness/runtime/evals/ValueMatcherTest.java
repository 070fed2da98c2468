package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunTranscript;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValueMatcherTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ValueMatcher matcher(String text) throws GraderConfigException {
        return ValueMatcher.parse(json(text), "m");
    }

    private static boolean matches(String matcher, String actual) throws GraderConfigException {
        return matcher(matcher).matches(actual == null ? null : json(actual));
    }

    @Test
    void a_literal_is_equal_with_numbers_compared_numerically() throws Exception {
        assertTrue(matches("\"ACME-1001\"", "\"ACME-1001\""));
        assertFalse(matches("\"ACME-1001\"", "\"acme-1001\""), "literals are exact");
        assertTrue(matches("120", "120.0"));
        assertTrue(matches("1.50", "1.5"));
        assertFalse(matches("120", "\"120\""), "a number is not its string");
        assertTrue(matches("true", "true"));
        assertTrue(matches("null", "null"));
        assertFalse(matches("null", null), "absent is not null");
        assertTrue(matches("[1, \"a\"]", "[1.0, \"a\"]"));
        assertFalse(matches("[1, \"a\"]", "[\"a\", 1]"));
        assertEquals("\"ACME-1001\"", matcher("\"ACME-1001\"").describe());
    }

    @Test
    void regex_is_found_anywhere_in_the_value_text() throws Exception {
        assertTrue(matches("{\"$regex\": \"^ACME-\\\\d+$\"}", "\"ACME-1001\""));
        assertTrue(matches("{\"$regex\": \"10+\"}", "1001"), "a number is matched as its text");
        assertFalse(matches("{\"$regex\": \"^B\"}", "\"ACME\""));
        assertFalse(matches("{\"$regex\": \".*\"}", null));
        assertFalse(matches("{\"$regex\": \".*\"}", "null"));
        assertEquals("~/^B/", matcher("{\"$regex\": \"^B\"}").describe());
    }

    @Test
    void contains_is_case_insensitive() throws Exception {
        assertTrue(matches("{\"$contains\": \"refund\"}", "\"Full REFUND issued\""));
        assertFalse(matches("{\"$contains\": \"refund\"}", "\"credit\""));
        assertTrue(matches("{\"$contains\": \"gold\"}", "{\"tier\": \"Gold\"}"), "containers are matched as JSON text");
        assertEquals("containing \"refund\"", matcher("{\"$contains\": \"refund\"}").describe());
    }

    @Test
    void exists_tells_present_from_absent() throws Exception {
        assertTrue(matches("{\"$exists\": true}", "null"), "a null value is present");
        assertFalse(matches("{\"$exists\": true}", null));
        assertTrue(matches("{\"$exists\": false}", null));
        assertFalse(matches("{\"$exists\": false}", "1"));
    }

    @Test
    void an_object_without_operators_matches_its_fields_only() throws Exception {
        String partial = "{\"customer\": {\"id\": {\"$regex\": \"^ACME\"}}, \"amount\": 12, \"note\": {\"$exists\": false}}";
        assertTrue(matches(partial, "{\"customer\": {\"id\": \"ACME-1\", \"tier\": \"gold\"}, \"amount\": 12.0, \"extra\": 1}"));
        assertFalse(matches(partial, "{\"customer\": {\"id\": \"ACME-1\"}, \"amount\": 12, \"note\": \"x\"}"));
        assertFalse(matches(partial, "{\"customer\": {\"id\": \"B-1\"}, \"amount\": 12}"));
        assertFalse(matches(partial, "[1]"));
        assertFalse(matches(partial, null));
        assertEquals("{a: 1, …}", matcher("{\"a\": 1}").describe());
    }

    @Test
    void bad_matchers_name_their_field() {
        assertEquals("m.$regex: must be a string (a Java regular expression)",
                assertThrows(GraderConfigException.class, () -> matcher("{\"$regex\": 3}")).getMessage());
        assertEquals("m.$regex: invalid regular expression: Dangling meta character '*' near index 0",
                assertThrows(GraderConfigException.class, () -> matcher("{\"$regex\": \"*a\"}")).getMessage());
        assertEquals("m.$contains: must be a non-empty string",
                assertThrows(GraderConfigException.class, () -> matcher("{\"$contains\": \"\"}")).getMessage());
        assertEquals("m.$exists: must be true or false",
                assertThrows(GraderConfigException.class, () -> matcher("{\"$exists\": \"yes\"}")).getMessage());
        assertEquals("m.$eq: unknown matcher '$eq'; known: $contains, $exists, $regex",
                assertThrows(GraderConfigException.class, () -> matcher("{\"$eq\": 1}")).getMessage());
        assertEquals("m: a matcher object has exactly one $ operator and no other fields (found $regex, id); known "
                        + "operators: $contains, $exists, $regex",
                assertThrows(GraderConfigException.class, () -> matcher("{\"$regex\": \"a\", \"id\": 1}")).getMessage());
        assertEquals("m.customer.id.$exists: must be true or false",
                assertThrows(GraderConfigException.class, () -> matcher("{\"customer\": {\"id\": {\"$exists\": 1}}}")).getMessage());
    }

    @Test
    void explanations_never_show_credential_arguments() throws Exception {
        RunTranscript run = Transcripts.run().call("connect", Map.of("api_key", "sk-live-SECRET", "host", "db")).build();
        Score score = Graders.withoutJudge().parse("tools_called", json("[\"disconnect\"]"), "expect.tools_called").grade(run);
        assertFalse(score.explanation().contains("SECRET"), score.explanation());
        assertTrue(score.explanation().contains("\"api_key\":\"[redacted]\""), score.explanation());
    }
}
