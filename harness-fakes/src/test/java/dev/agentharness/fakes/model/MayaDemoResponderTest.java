package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MayaDemoResponderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = """
            [{"type":"function","name":"lookup_account"},{"type":"function","name":"draft_reply"}]""";

    private final MayaDemoResponder maya = new MayaDemoResponder();

    private static RecordedRequest request(String tools, String inputJson) throws Exception {
        String body = "{\"model\":\"m\",\"tools\":" + tools + ",\"input\":" + inputJson + "}";
        return new RecordedRequest("/v1/responses", Map.of(), JSON.readTree(body), Instant.now());
    }

    private static ObjectNode onlyItem(Reply reply) {
        Reply.Output output = assertInstanceOf(Reply.Output.class, reply);
        assertEquals(1, output.items().size());
        return output.items().getFirst();
    }

    @Test
    void first_looks_up_the_account_named_in_the_latest_user_message() throws Exception {
        ObjectNode call = onlyItem(maya.reply(request(TOOLS, """
                [{"role":"user","content":"old ACME-1"},{"role":"user","content":"My invoice for ACME-4242 is wrong"}]""")));

        assertEquals("function_call", call.path("type").asText());
        assertEquals("lookup_account", call.path("name").asText());
        assertEquals("ACME-4242", JSON.readTree(call.path("arguments").asText()).path("account_id").asText());
    }

    @Test
    void falls_back_to_the_default_account_when_none_is_mentioned() throws Exception {
        ObjectNode call = onlyItem(maya.reply(request(TOOLS, "\"I cannot log in\"")));

        assertEquals("ACME-1001", JSON.readTree(call.path("arguments").asText()).path("account_id").asText());
    }

    @Test
    void then_drafts_a_reply_for_the_customer_the_lookup_returned() throws Exception {
        ObjectNode call = onlyItem(maya.reply(request(TOOLS, """
                [{"role":"user","content":"  My   invoice is wrong  "},
                 {"type":"function_call","call_id":"c1","name":"lookup_account","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c1","output":"{\\"name\\":\\"Ada Lovelace\\",\\"plan\\":\\"pro\\"}"}]""")));

        assertEquals("draft_reply", call.path("name").asText());
        JsonNode arguments = JSON.readTree(call.path("arguments").asText());
        assertEquals("Ada Lovelace", arguments.path("customer_name").asText());
        assertEquals("My invoice is wrong", arguments.path("issue_summary").asText());
        assertTrue(arguments.has("tone") && arguments.path("tone").isNull());
    }

    @Test
    void summarises_with_the_accounts_open_ticket_when_there_is_one() throws Exception {
        ObjectNode call = onlyItem(maya.reply(request(TOOLS, """
                [{"role":"user","content":"help"},
                 {"type":"function_call","call_id":"c1","name":"lookup_account","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c1","output":"{\\"name\\":\\"Jonas\\",\\"plan\\":\\"Starter\\",\\"open_tickets\\":[\\"Card declined\\"]}"}]""")));

        JsonNode arguments = JSON.readTree(call.path("arguments").asText());
        assertEquals("I found the open ticket \"Card declined\" on your Starter account and added your message to it, "
                + "so our team has the full picture.", arguments.path("issue_summary").asText());
    }

    @Test
    void finally_answers_with_the_draft() throws Exception {
        ObjectNode message = onlyItem(maya.reply(request(TOOLS, """
                [{"role":"user","content":"help"},
                 {"type":"function_call","call_id":"c1","name":"lookup_account","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c1","output":"{\\"name\\":\\"Ada\\"}"},
                 {"type":"function_call","call_id":"c2","name":"draft_reply","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c2","output":"Dear Ada, we fixed it."}]""")));

        assertEquals("message", message.path("type").asText());
        assertEquals("Dear Ada, we fixed it.", message.at("/content/0/text").asText());
    }

    @Test
    void without_its_tools_it_acknowledges_the_message() throws Exception {
        ObjectNode message = onlyItem(maya.reply(request("[]", "\"hello there\"")));

        assertEquals("Thanks, I got your message: \"hello there\".", message.at("/content/0/text").asText());
    }

    @Test
    void is_deterministic() throws Exception {
        RecordedRequest request = request(TOOLS, "\"ACME-9 is broken\"");

        ObjectNode first = onlyItem(maya.reply(request));
        ObjectNode second = onlyItem(maya.reply(request));

        assertEquals(first.path("call_id"), second.path("call_id"));
        assertEquals(first.path("arguments"), second.path("arguments"));
    }
}
