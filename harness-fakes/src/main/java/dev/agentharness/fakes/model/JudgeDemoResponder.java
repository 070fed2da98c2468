package dev.agentharness.fakes.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the evaluation judge (the {@code judge} grader of the golden set and of the nightly job) so judged cases are
 * deterministic offline. A judge request is one whose instructions start with the line {@value #FIRST_LINE}; its user
 * message holds {@code <rubric>…</rubric>}, {@code <user>…</user>}, {@code <tools>…</tools>} and
 * {@code <reply>…</reply>}.
 *
 * <p>The score is the fraction of the rubric's double-quoted phrases ({@code "…"}, also {@code “…”}) that the reply
 * contains, case-insensitively — 1.0 when the rubric quotes none; the label is {@code good} when the score is at least
 * 0.7, else {@code poor}; the explanation names the phrases found missing. The answer is the JSON object
 * {@code {"score": …, "label": …, "explanation": …}} as the assistant message, without code fences.
 */
public final class JudgeDemoResponder implements Responder {

    static final String FIRST_LINE = "You are an evaluation judge.";
    static final double GOOD = 0.7;
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"|“([^”]+)”");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** True when the request is a judge's: its instructions' first line is exactly {@value #FIRST_LINE}. */
    public static boolean handles(RecordedRequest request) {
        String instructions = request.instructions();
        return instructions != null && instructions.lines().findFirst().map(String::strip)
                .filter(FIRST_LINE::equals).isPresent();
    }

    @Override
    public Reply reply(RecordedRequest request) {
        String message = request.latestUserMessage();
        List<String> phrases = quotedPhrases(section(message, "rubric"));
        String reply = section(message, "reply").toLowerCase(Locale.ROOT);
        List<String> missing = new ArrayList<>();
        for (String phrase : phrases) {
            if (!reply.contains(phrase.toLowerCase(Locale.ROOT))) {
                missing.add(phrase);
            }
        }
        double score = phrases.isEmpty() ? 1.0 : (double) (phrases.size() - missing.size()) / phrases.size();
        String explanation;
        if (phrases.isEmpty()) {
            explanation = "The rubric quotes no phrases to look for, so the reply meets it.";
        } else if (missing.isEmpty()) {
            explanation = "The reply contains all " + phrases.size() + " phrase(s) the rubric asks for.";
        } else {
            explanation = "The reply contains " + (phrases.size() - missing.size()) + " of " + phrases.size()
                    + " phrase(s) the rubric asks for; missing: \"" + String.join("\", \"", missing) + "\".";
        }
        ObjectNode verdict = JSON.createObjectNode()
                .put("score", score)
                .put("label", score >= GOOD ? "good" : "poor")
                .put("explanation", explanation);
        return Reply.message(verdict.toString());
    }

    /** The text between {@code <tag>} and {@code </tag>} (the last closing tag: a reply may quote the tags), or "". */
    static String section(String message, String tag) {
        String open = "<" + tag + ">";
        String close = "</" + tag + ">";
        int start = message.indexOf(open);
        if (start < 0) {
            return "";
        }
        int end = message.lastIndexOf(close);
        return end < start ? message.substring(start + open.length()) : message.substring(start + open.length(), end);
    }

    /** The distinct double-quoted phrases of a rubric, in order. */
    static List<String> quotedPhrases(String rubric) {
        Set<String> phrases = new LinkedHashSet<>();
        Matcher matcher = QUOTED.matcher(rubric);
        while (matcher.find()) {
            String phrase = (matcher.group(1) != null ? matcher.group(1) : matcher.group(2)).strip();
            if (!phrase.isEmpty()) {
                phrases.add(phrase);
            }
        }
        return List.copyOf(phrases);
    }
}
