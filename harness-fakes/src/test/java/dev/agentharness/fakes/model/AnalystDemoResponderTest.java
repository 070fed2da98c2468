package dev.agentharness.fakes.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo analyst: write the script, run it, read the count, answer — and never invent a number. */
class AnalystDemoResponderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final DemoResponder demo = new DemoResponder();

    /** A request offering the analyst's tools, with the given tool outputs already in its input. */
    private static RecordedRequest request(String userMessage, String... namesAndOutputs) {
        ObjectNode body = JSON.createObjectNode().put("model", "m");
        ArrayNode tools = body.putArray("tools");
        for (String tool : new String[] {"write_file", "exec_command", "read_file", "list_files"}) {
            tools.addObject().put("type", "function").put("name", tool);
        }
        ArrayNode input = body.putArray("input");
        input.addObject().put("role", "user").put("content", userMessage);
        for (int i = 0; i < namesAndOutputs.length; i += 2) {
            input.addObject().put("type", "function_call").put("call_id", "c" + i).put("name", namesAndOutputs[i])
                    .put("arguments", "{}");
            input.addObject().put("type", "function_call_output").put("call_id", "c" + i).put("output", namesAndOutputs[i + 1]);
        }
        return new RecordedRequest("/v1/responses", Map.of(), body, Instant.now());
    }

    private static ObjectNode onlyItem(Reply reply) {
        Reply.Output output = assertInstanceOf(Reply.Output.class, reply);
        assertEquals(1, output.items().size());
        return output.items().getFirst();
    }

    private static JsonNode arguments(ObjectNode call) throws Exception {
        return JSON.readTree(call.path("arguments").asText());
    }

    @Test
    void firstWritesAScriptThatCountsTheNamedInputFile() throws Exception {
        ObjectNode call = onlyItem(demo.reply(request("How many words are in inputs/report.md? Save it.")));

        assertEquals("write_file", call.path("name").asText());
        assertEquals("count_words.sh", arguments(call).path("path").asText());
        String script = arguments(call).path("content").asText();
        assertTrue(script.contains("wc -w < 'inputs/report.md'"), script);
        assertTrue(script.contains("> outputs/word_count.txt"), script);
    }

    @Test
    void thenRunsItThenReadsTheSavedCountThenAnswersWithIt() throws Exception {
        String message = "How many words are in inputs/notes.txt?";
        ObjectNode exec = onlyItem(demo.reply(request(message, "write_file", "Wrote 90 bytes to count_words.sh")));
        assertEquals("exec_command", exec.path("name").asText());
        assertEquals("sh count_words.sh", arguments(exec).path("cmd").asText());

        String ran = "Chunk ID: abc123\nWall time: 0.0100 seconds\nProcess exited with code 0\nOutput:\n13\n";
        ObjectNode read = onlyItem(demo.reply(request(message, "write_file", "Wrote 90 bytes", "exec_command", ran)));
        assertEquals("read_file", read.path("name").asText());
        assertEquals("outputs/word_count.txt", arguments(read).path("path").asText());

        ObjectNode answer = onlyItem(demo.reply(request(message, "write_file", "Wrote 90 bytes", "exec_command", ran,
                "read_file", "13\n")));
        assertEquals("message", answer.path("type").asText());
        assertEquals("inputs/notes.txt has 13 words; the count is saved in outputs/word_count.txt.",
                answer.path("content").get(0).path("text").asText());
    }

    @Test
    void aFailingToolIsReportedNotPapered() throws Exception {
        String noSandbox = "this run has no sandbox: submit the run with a 'manifest'";
        ObjectNode answer = onlyItem(demo.reply(request("count inputs/notes.txt", "write_file", noSandbox)));
        assertEquals("I could not write the counting script: " + noSandbox, answer.path("content").get(0).path("text").asText());

        String failed = "Chunk ID: abc123\nWall time: 0.0100 seconds\nProcess exited with code 1\nOutput:\nno such file\n";
        String text = onlyItem(demo.reply(request("count", "write_file", "Wrote 9 bytes", "exec_command", failed)))
                .path("content").get(0).path("text").asText();
        assertTrue(text.startsWith("The counting script failed:") && text.contains("no such file"), text);
        assertFalse(text.matches(".*\\d+ words.*"), text);
    }

    @Test
    void requestsWithMayasToolsStillGoToMaya() throws Exception {
        String tools = "[{\"type\":\"function\",\"name\":\"lookup_account\"},{\"type\":\"function\",\"name\":\"draft_reply\"}]";
        RecordedRequest request = new RecordedRequest("/v1/responses", Map.of(),
                JSON.readTree("{\"model\":\"m\",\"tools\":" + tools + ",\"input\":\"I am ACME-1002\"}"), Instant.now());

        assertEquals("lookup_account", onlyItem(demo.reply(request)).path("name").asText());
    }

    @Test
    void aFollowUpTurnRunsThePlanAgainForTheFileItNames() throws Exception {
        RecordedRequest firstTurnDone = request("Count inputs/notes.txt", "write_file", "Wrote 80 bytes",
                "exec_command", "12\nProcess exited with code 0", "read_file", "12");
        ObjectNode body = (ObjectNode) firstTurnDone.body().deepCopy();
        ((ArrayNode) body.path("input")).addObject().put("role", "assistant").put("content", "12 words");
        ((ArrayNode) body.path("input")).addObject().put("role", "user").put("content", "now inputs/other.md");

        ObjectNode call = onlyItem(demo.reply(new RecordedRequest("/v1/responses", Map.of(), body, Instant.now())));

        assertEquals("write_file", call.path("name").asText(), "the earlier turn's outputs do not count");
        assertTrue(arguments(call).path("content").asText().contains("'inputs/other.md'"));
    }

    @Test
    void answersAsJsonWhenTheMessageAsksForJson() throws Exception {
        ObjectNode answer = onlyItem(demo.reply(request("Count inputs/a.txt and answer in JSON", "write_file",
                "Wrote 80 bytes", "exec_command", "7\nProcess exited with code 0", "read_file", "7\n")));

        JsonNode json = JSON.readTree(answer.at("/content/0/text").asText());
        assertEquals("inputs/a.txt", json.path("file").asText());
        assertEquals(7, json.path("words").asInt());
        assertEquals("outputs/word_count.txt", json.path("saved_to").asText());
    }
}
