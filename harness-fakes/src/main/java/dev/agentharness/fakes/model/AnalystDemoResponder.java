package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the model behind the example agent "analyst" ({@code examples/agents/analyst.yaml}) so the
 * sandbox part of {@code make demo} works without an API key. It does what the agent's
 * instructions ask, deterministically, through the sandbox tools:
 *
 * <ol>
 *   <li>{@code write_file} a shell script that counts the words of the input file named in the user
 *       message ({@code inputs/…}, else {@code inputs/notes.txt}) and saves the count under {@code outputs/};</li>
 *   <li>{@code exec_command} it;</li>
 *   <li>{@code read_file} the saved count;</li>
 *   <li>answer with the count and the path — as the JSON object
 *       {@code {"file": …, "words": n, "saved_to": "outputs/word_count.txt"}} when the user message asks for JSON
 *       (mentions "json"), else as a sentence.</li>
 * </ol>
 * Whatever a tool answers that is not what the plan expects (no sandbox, a failed command) is
 * reported back verbatim instead of a number: the FAKE never invents a result. Only tool outputs after the latest
 * user message count, so each turn of a session runs the plan again for the file its message names.
 */
public final class AnalystDemoResponder implements Responder {

    static final String WRITE = "write_file";
    static final String EXEC = "exec_command";
    static final String READ = "read_file";
    static final String SCRIPT_PATH = "count_words.sh";
    static final String RESULT_PATH = "outputs/word_count.txt";
    private static final Pattern INPUT_FILE = Pattern.compile("inputs/[A-Za-z0-9._/-]*[A-Za-z0-9_-]");
    private static final Pattern JSON_ASKED = Pattern.compile("(?i)\\bjson\\b");
    private static final Pattern EXIT_ZERO = Pattern.compile("(?m)^Process exited with code 0$");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** True when the request offers the tools this responder plays with. */
    public static boolean handles(RecordedRequest request) {
        return request.toolNames().contains(WRITE) && request.toolNames().contains(EXEC)
                && request.toolNames().contains(READ);
    }

    @Override
    public Reply reply(RecordedRequest request) {
        String input = inputFile(request.latestUserMessage());
        Optional<String> wrote = request.currentTurnOutputFor(WRITE);
        if (wrote.isEmpty()) {
            ObjectNode arguments = JSON.createObjectNode().put("path", SCRIPT_PATH).put("content", script(input));
            return Reply.functionCall("call_demo_" + WRITE, WRITE, arguments.toString());
        }
        if (!wrote.get().startsWith("Wrote ")) {
            return Reply.message("I could not write the counting script: " + wrote.get());
        }
        Optional<String> ran = request.currentTurnOutputFor(EXEC);
        if (ran.isEmpty()) {
            ObjectNode arguments = JSON.createObjectNode().put("cmd", "sh " + SCRIPT_PATH)
                    .putNull("workdir").put("yield_time_ms", 20_000).putNull("max_output_tokens");
            return Reply.functionCall("call_demo_" + EXEC, EXEC, arguments.toString());
        }
        if (!EXIT_ZERO.matcher(ran.get()).find()) {
            return Reply.message("The counting script failed:\n" + ran.get());
        }
        Optional<String> read = request.currentTurnOutputFor(READ);
        if (read.isEmpty()) {
            ObjectNode arguments = JSON.createObjectNode().put("path", RESULT_PATH);
            return Reply.functionCall("call_demo_" + READ, READ, arguments.toString());
        }
        String count = read.get().strip();
        if (!count.matches("\\d+")) {
            return Reply.message("I could not read the saved count: " + count);
        }
        if (JSON_ASKED.matcher(request.latestUserMessage()).find()) {
            ObjectNode answer = JSON.createObjectNode().put("file", input).put("words", Long.parseLong(count))
                    .put("saved_to", RESULT_PATH);
            return Reply.message(answer.toString());
        }
        return Reply.message(input + " has " + count + " words; the count is saved in " + RESULT_PATH + ".");
    }

    static String inputFile(String userMessage) {
        Matcher matcher = INPUT_FILE.matcher(userMessage == null ? "" : userMessage);
        return matcher.find() ? matcher.group() : "inputs/notes.txt";
    }

    static String script(String input) {
        return "#!/bin/sh\nset -e\nmkdir -p outputs\nwc -w < '" + input + "' | tr -d ' ' > " + RESULT_PATH + "\ncat "
                + RESULT_PATH + "\n";
    }
}
