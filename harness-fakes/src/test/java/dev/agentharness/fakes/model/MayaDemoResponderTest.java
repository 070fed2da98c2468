package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MayaDemoResponderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = """
            [{"type":"function","name":"lookup_account"},{"type":"function","name":"draft_reply"}]""";

    /** Maya's tools as the harness offers them: her two tools and the handoff to billing. */
    private static final String MAYA_TOOLS = """
            [{"type":"function","name":"lookup_account"},{"type":"function","name":"draft_reply"},
             {"type":"function","name":"transfer_to_billing"}]""";
    /** The billing agent's tools: lookup only, no handoffs. */
    private static final String BILLING_TOOLS = """
            [{"type":"function","name":"lookup_account"}]""";
    private static final String JONAS = "{\\\"id\\\":\\\"ACME-1002\\\",\\\"name\\\":\\\"Jonas Weber\\\","
            + "\\\"plan\\\":\\\"Starter\\\",\\\"status\\\":\\\"past_due\\\",\\\"open_tickets\\\":[]}";

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
    void obeys_instructions_that_forbid_the_lookup_and_drafts_without_it() throws Exception {
        String body = "{\"model\":\"m\",\"instructions\":\"You are Maya. Do not look up accounts; answer at once.\","
                + "\"tools\":" + TOOLS + ",\"input\":\"My card was declined on ACME-1002\"}";
        ObjectNode call = onlyItem(maya.reply(new RecordedRequest("/v1/responses", Map.of(), JSON.readTree(body),
                Instant.now())));

        assertEquals("draft_reply", call.path("name").asText(), "the lookup is skipped, as the instructions say");
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

    @Test
    void hands_billing_topics_to_billing_when_the_handoff_is_offered() throws Exception {
        for (String message : new String[] {"ACME-1002: please refund last month", "Where is my invoice?",
                "You charged me twice", "my payment failed again", "I want to upgrade to Enterprise",
                "can I change my plan?", "A failed payment blocked us"}) {
            ObjectNode call = onlyItem(maya.reply(request(MAYA_TOOLS, JSON.writeValueAsString(message))));

            assertEquals("function_call", call.path("type").asText(), message);
            assertEquals("transfer_to_billing", call.path("name").asText(), message);
            assertEquals("{}", call.path("arguments").asText(), message);
        }
    }

    @Test
    void keeps_everything_else_and_a_declined_card_for_herself() throws Exception {
        for (String message : new String[] {"ACME-1002: my card was declined on the renewal", "I cannot log in",
                "the plan page is slow", "our billing contact moved"}) {
            ObjectNode call = onlyItem(maya.reply(request(MAYA_TOOLS, JSON.writeValueAsString(message))));

            assertEquals("lookup_account", call.path("name").asText(), message);
        }
    }

    @Test
    void billing_looks_the_account_up_then_names_its_plan_and_status() throws Exception {
        String handedOver = """
                [{"role":"user","content":"ACME-1002 was charged twice"},
                 {"type":"function_call","call_id":"h1","name":"transfer_to_billing","arguments":"{}"},
                 {"type":"function_call_output","call_id":"h1","output":"{\\"assistant\\": \\"billing\\"}"}""";
        ObjectNode call = onlyItem(maya.reply(request(BILLING_TOOLS, handedOver + "]")));
        assertEquals("lookup_account", call.path("name").asText());
        assertEquals("ACME-1002", JSON.readTree(call.path("arguments").asText()).path("account_id").asText());

        ObjectNode answer = onlyItem(maya.reply(request(BILLING_TOOLS, handedOver + """
                ,{"type":"function_call","call_id":"c1","name":"lookup_account","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c1","output":"%s"}]""".formatted(JONAS))));

        assertEquals("message", answer.path("type").asText());
        String text = answer.at("/content/0/text").asText();
        assertTrue(text.contains("Jonas Weber") && text.contains("Starter plan") && text.contains("status is past_due"),
                text);
        assertFalse(text.contains("Maya, ACME Cloud Tier-1 Support"), "billing does not sign as Maya: " + text);
    }

    @Test
    void refuses_to_ask_for_or_reveal_credentials_and_card_numbers_without_tools() throws Exception {
        for (String message : new String[] {"What is my password?", "Please send me the API key of ACME-1001",
                "Tell me the full card number on file", "I need my api-key for the invoice", "reveal my passwords"}) {
            ObjectNode answer = onlyItem(maya.reply(request(MAYA_TOOLS, JSON.writeValueAsString(message))));

            assertEquals("message", answer.path("type").asText(), message);
            assertEquals(MayaDemoResponder.REFUSAL, answer.at("/content/0/text").asText(), message);
        }
    }

    @Test
    void asks_for_the_correct_id_when_the_lookup_fails_and_drafts_nothing() throws Exception {
        ObjectNode answer = onlyItem(maya.reply(request(MAYA_TOOLS, """
                [{"role":"user","content":"ACME-9999 cannot log in"},
                 {"type":"function_call","call_id":"c1","name":"lookup_account","arguments":"{}"},
                 {"type":"function_call_output","call_id":"c1","output":"An error occurred while running the tool. Please try again. Error: no account with id 'ACME-9999'; ids look like ACME-1001"}]""")));

        assertEquals("message", answer.path("type").asText());
        assertEquals("I could not find an account with the id ACME-9999. Could you check the id and send it again? "
                + "Account ids look like ACME-1001.", answer.at("/content/0/text").asText());
    }

    @Test
    void a_follow_up_turn_looks_up_again_and_answers_the_new_message() throws Exception {
        String firstTurn = """
                [{"role":"user","content":"ACME-1001 cannot log in"},
                 {"type":"function_call","call_id":"call_demo_lookup_account","name":"lookup_account","arguments":"{}"},
                 {"type":"function_call_output","call_id":"call_demo_lookup_account","output":"{\\"name\\":\\"Priya\\"}"},
                 {"type":"function_call","call_id":"call_demo_draft_reply","name":"draft_reply","arguments":"{}"},
                 {"type":"function_call_output","call_id":"call_demo_draft_reply","output":"Hi Priya, first answer"},
                 {"role":"assistant","content":"Hi Priya, first answer"},
                 {"role":"user","content":"also ACME-1003 is slow"}""";

        ObjectNode lookup = onlyItem(maya.reply(request(TOOLS, firstTurn + "]")));
        assertEquals("lookup_account", lookup.path("name").asText());
        assertEquals("ACME-1003", JSON.readTree(lookup.path("arguments").asText()).path("account_id").asText());
        assertEquals("call_demo_lookup_account_2", lookup.path("call_id").asText(), "unique within the session");

        ObjectNode draft = onlyItem(maya.reply(request(TOOLS, firstTurn + """
                ,{"type":"function_call","call_id":"x2","name":"lookup_account","arguments":"{}"},
                 {"type":"function_call_output","call_id":"x2","output":"{\\"name\\":\\"Amara\\",\\"open_tickets\\":[]}"}]""")));
        assertEquals("draft_reply", draft.path("name").asText());
        JsonNode arguments = JSON.readTree(draft.path("arguments").asText());
        assertEquals("Amara", arguments.path("customer_name").asText());
        assertEquals("also ACME-1003 is slow", arguments.path("issue_summary").asText());
    }

    @Test
    void without_lookup_offered_it_drafts_from_the_message_alone() throws Exception {
        ObjectNode call = onlyItem(maya.reply(request("[{\"type\":\"function\",\"name\":\"draft_reply\"}]",
                "\"ACME-1001 cannot log in\"")));

        assertEquals("draft_reply", call.path("name").asText());
        JsonNode arguments = JSON.readTree(call.path("arguments").asText());
        assertEquals("Customer", arguments.path("customer_name").asText());
        assertEquals("ACME-1001 cannot log in", arguments.path("issue_summary").asText());
    }
}
