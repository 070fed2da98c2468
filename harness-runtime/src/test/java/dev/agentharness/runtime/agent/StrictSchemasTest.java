package dev.agentharness.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StrictSchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    enum Priority { LOW, NORMAL, URGENT }

    @Description("Where to send it")
    record Address(String street, @Nullable String postcode) {
    }

    record Ticket(
            @Description("Short title") String title,
            int count,
            long big,
            double score,
            BigDecimal amount,
            boolean urgent,
            Boolean maybeFlag,
            Priority priority,
            @Nullable Priority fallbackPriority,
            List<String> tags,
            @Nullable List<Integer> numbers,
            Address address,
            @Nullable @Description("Optional second address") Address billingAddress,
            List<Address> others) {
    }

    record Empty() {
    }

    record WithMap(Map<String, String> labels) {
    }

    record WithOptional(Optional<String> note) {
    }

    record NullablePrimitive(@Nullable int count) {
    }

    record Recursive(String name, List<Recursive> children) {
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyObjectIsClosedAndRequiresAllPropertiesAndOptionalsAreNullable() {
        JsonNode expected = json("""
                {"type":"object","properties":{
                  "title":{"type":"string","description":"Short title"},
                  "count":{"type":"integer"},
                  "big":{"type":"integer"},
                  "score":{"type":"number"},
                  "amount":{"type":"number"},
                  "urgent":{"type":"boolean"},
                  "maybe_flag":{"type":"boolean"},
                  "priority":{"type":"string","enum":["LOW","NORMAL","URGENT"]},
                  "fallback_priority":{"anyOf":[{"type":"string","enum":["LOW","NORMAL","URGENT"]},{"type":"null"}]},
                  "tags":{"type":"array","items":{"type":"string"}},
                  "numbers":{"anyOf":[{"type":"array","items":{"type":"integer"}},{"type":"null"}]},
                  "address":{"type":"object","description":"Where to send it","properties":{
                      "street":{"type":"string"},"postcode":{"type":["string","null"]}},
                    "required":["street","postcode"],"additionalProperties":false},
                  "billing_address":{"anyOf":[{"type":"object","description":"Where to send it","properties":{
                      "street":{"type":"string"},"postcode":{"type":["string","null"]}},
                    "required":["street","postcode"],"additionalProperties":false},{"type":"null"}],
                    "description":"Optional second address"},
                  "others":{"type":"array","items":{"type":"object","description":"Where to send it","properties":{
                      "street":{"type":"string"},"postcode":{"type":["string","null"]}},
                    "required":["street","postcode"],"additionalProperties":false}}},
                 "required":["title","count","big","score","amount","urgent","maybe_flag","priority",
                   "fallback_priority","tags","numbers","address","billing_address","others"],
                 "additionalProperties":false}""");

        assertEquals(expected, StrictSchemas.forRecord(Ticket.class));
    }

    @Test
    void aRecordWithoutComponentsIsTheEmptyStrictObject() {
        JsonNode expected = json("{\"type\":\"object\",\"properties\":{},\"required\":[],\"additionalProperties\":false}");

        assertEquals(expected, StrictSchemas.forRecord(Empty.class));
        assertEquals(expected, StrictSchemas.emptyObject());
    }

    @Test
    void theBuiltInToolSchemasAreExact() {
        assertEquals(json("""
                {"type":"object","properties":{"account_id":{"type":"string",
                  "description":"The customer's account id, e.g. ACME-1001"}},
                 "required":["account_id"],"additionalProperties":false}"""),
                StrictSchemas.forRecord(SupportTools.LookupAccountArgs.class));
        assertEquals(json("""
                {"type":"object","properties":{
                  "customer_name":{"type":"string","description":"The customer's name as it should appear in the greeting"},
                  "issue_summary":{"type":"string","description":"One sentence summarising the customer's issue and what we will do"},
                  "tone":{"type":["string","null"],"description":"friendly (default), formal or apologetic"}},
                 "required":["customer_name","issue_summary","tone"],"additionalProperties":false}"""),
                StrictSchemas.forRecord(SupportTools.DraftReplyArgs.class));
    }

    @Test
    void typesStrictModeCannotExpressAreRejectedWithTheComponentName() {
        IllegalArgumentException map = assertThrows(IllegalArgumentException.class,
                () -> StrictSchemas.forRecord(WithMap.class));
        assertTrue(map.getMessage().startsWith("WithMap.labels: type java.util.Map"), map.getMessage());
        IllegalArgumentException optional = assertThrows(IllegalArgumentException.class,
                () -> StrictSchemas.forRecord(WithOptional.class));
        assertTrue(optional.getMessage().contains("@Nullable"), optional.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StrictSchemas.forRecord(NullablePrimitive.class));
        assertThrows(IllegalArgumentException.class, () -> StrictSchemas.forRecord(Recursive.class));
        assertThrows(IllegalArgumentException.class, () -> StrictSchemas.forRecord(String.class));
    }

    @Test
    void argumentsAreParsedWithTheSameSnakeCaseNamesTheSchemaAnnounces() throws Exception {
        SupportTools.DraftReplyArgs args = FunctionTool.parse(SupportTools.DraftReplyArgs.class,
                "{\"customer_name\":\"Ana\",\"issue_summary\":\"x\",\"tone\":null}");

        assertEquals(new SupportTools.DraftReplyArgs("Ana", "x", null), args);
    }
}
