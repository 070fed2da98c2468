package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;

import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a finished run into a golden case line ({@code eval promote}): its input (and its session's earlier inputs
 * as history), agent, and expectations that describe what it did — status (and reason when it did not succeed),
 * every tool it called with the arguments it passed, the handoff (or none), a few salient words of the reply and
 * a turn ceiling of turns + 2. The expectations are a starting point: the provenance asks for a review.
 */
public final class CasePromotion {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}$%.,'-]*[\\p{L}\\p{N}%]|[\\p{L}\\p{N}]");
    private static final Set<String> COMMON = Set.of("about", "account", "again", "because", "before", "could",
            "customer", "happy", "hello", "help", "please", "should", "thanks", "thank", "their", "there", "these",
            "those", "would", "which", "while", "where", "your", "yours", "today", "assist", "anything", "further");
    private static final int SALIENT_WORDS = 3;

    private CasePromotion() {
    }

    /** The default id of a promoted case: {@code promoted-} and the run id's first characters, lower case. */
    public static String defaultId(String runId) {
        String clean = runId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        return "promoted-" + (clean.length() > 12 ? clean.substring(0, 12) : clean);
    }

    /**
     * @param history earlier user messages of the run's session, oldest first (empty for a single-turn run)
     * @param on      the date written into the provenance
     * @return one JSON line in the dataset format, without a line break
     * @throws IllegalArgumentException when the run has not finished
     */
    public static String caseLine(String id, RunTranscript run, List<String> history, LocalDate on) {
        if (run.status() == null || !run.status().terminal()) {
            throw new IllegalArgumentException("run " + run.runId() + " has not finished (status "
                    + (run.status() == null ? "unknown" : run.status().wire()) + "): promote a finished run");
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("id", id);
        line.putArray("tags").add("promoted");
        if (run.agent() != null) {
            line.put("agent", run.agent());
        }
        if (!history.isEmpty()) {
            ArrayNode turns = line.putArray("history");
            history.forEach(turns::add);
        }
        line.put("input", run.input());
        ObjectNode expect = line.putObject("expect");
        expect.put("status", run.status().wire());
        if (run.status() != RunStatus.SUCCEEDED && run.reason() != null) {
            expect.put("reason", run.reason());
        }
        if (!run.toolCalls().isEmpty()) {
            ArrayNode tools = expect.putArray("tools_called");
            for (RunTranscript.ToolCall call : run.toolCalls()) {
                ObjectNode item = tools.addObject();
                item.put("name", call.name());
                if (call.arguments() != null && !call.arguments().isEmpty()) {
                    item.set("arguments", JSON.valueToTree(call.arguments()));
                }
            }
        }
        expect.put("handoff", run.handoffs().isEmpty() ? "none" : run.handoffs().get(run.handoffs().size() - 1).to());
        List<String> salient = salientWords(run.reply());
        if (!salient.isEmpty()) {
            ArrayNode contains = expect.putArray("reply_contains");
            salient.forEach(contains::add);
        }
        expect.put("max_turns", run.turns() + 2);
        line.put("provenance", "promoted from run " + run.runId() + " (trace " + run.traceId() + ") on " + on
                + "; review the expectations");
        try {
            return JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A few words a correct reply would repeat: figures and identifiers first (they carry the facts), then the
     * longest uncommon words; none for an empty reply.
     */
    static List<String> salientWords(String reply) {
        if (reply == null || reply.isBlank()) {
            return List.of();
        }
        Set<String> figures = new LinkedHashSet<>();
        List<String> words = new ArrayList<>();
        Matcher matcher = WORD.matcher(reply);
        while (matcher.find()) {
            String word = matcher.group().replaceAll("[.,']+$", "");
            if (word.chars().anyMatch(Character::isDigit)) {
                figures.add(word);
            } else if (word.length() >= 6 && !COMMON.contains(word.toLowerCase(Locale.ROOT))) {
                words.add(word);
            }
        }
        Set<String> chosen = new LinkedHashSet<>(figures);
        words.stream().sorted((a, b) -> Integer.compare(b.length(), a.length()))
                .forEach(word -> {
                    if (chosen.stream().noneMatch(w -> w.equalsIgnoreCase(word))) {
                        chosen.add(word);
                    }
                });
        return chosen.stream().limit(SALIENT_WORDS).toList();
    }
}
