package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Graders of the run's final reply. A run without a reply (it failed, timed out, was cancelled) fails all of them. */
final class ReplyGraders {

    private ReplyGraders() {
    }

    /** Why {@code run} has no reply to grade, or {@code null} when it has one. */
    static String noReply(RunTranscript run) {
        boolean missing = run.reply() == null || (run.status() != RunStatus.SUCCEEDED && run.reply().isBlank());
        if (!missing) {
            return null;
        }
        return "the run produced no reply (status " + (run.status() == null ? "unknown" : run.status().wire())
                + (run.reason() == null ? "" : ", reason " + Text.truncate(run.reason(), Text.SHORT)) + ")";
    }

    static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    record Contains(String name, List<String> phrases) implements Grader {
        Contains {
            phrases = List.copyOf(phrases);
        }

        @Override
        public String kind() {
            return "reply_contains";
        }

        @Override
        public Score grade(RunTranscript run) {
            String none = noReply(run);
            if (none != null) {
                return Score.fail(name, "expected a reply containing " + quoted(phrases) + "; " + none);
            }
            String reply = lower(run.reply());
            List<String> missing = phrases.stream().filter(p -> !reply.contains(lower(p))).toList();
            if (missing.isEmpty()) {
                return Score.pass(name, "the reply contains " + quoted(phrases));
            }
            return Score.fail(name, "expected the reply to contain " + quoted(missing) + "; reply: "
                    + Text.quote(run.reply()));
        }
    }

    record NotContains(String name, List<String> phrases) implements Grader {
        NotContains {
            phrases = List.copyOf(phrases);
        }

        @Override
        public String kind() {
            return "reply_not_contains";
        }

        @Override
        public Score grade(RunTranscript run) {
            String none = noReply(run);
            if (none != null) {
                return Score.fail(name, "expected a reply without " + quoted(phrases) + "; " + none);
            }
            String reply = lower(run.reply());
            List<String> present = phrases.stream().filter(p -> reply.contains(lower(p))).toList();
            if (present.isEmpty()) {
                return Score.pass(name, "the reply contains none of " + quoted(phrases));
            }
            return Score.fail(name, "expected the reply not to contain " + quoted(present) + "; reply: "
                    + excerptAround(run.reply(), present.getFirst()));
        }
    }

    record Regex(String name, Pattern pattern) implements Grader {
        @Override
        public String kind() {
            return "reply_regex";
        }

        @Override
        public Score grade(RunTranscript run) {
            String expected = "a reply matching /" + Text.truncate(pattern.pattern(), Text.SHORT) + "/";
            String none = noReply(run);
            if (none != null) {
                return Score.fail(name, "expected " + expected + "; " + none);
            }
            java.util.regex.Matcher matcher = pattern.matcher(run.reply());
            if (matcher.find()) {
                return Score.pass(name, "the reply matches /" + Text.truncate(pattern.pattern(), Text.SHORT)
                        + "/ at " + Text.quote(matcher.group()));
            }
            return Score.fail(name, "expected " + expected + "; reply: " + Text.quote(run.reply()));
        }
    }

    record MaxLength(String name, int ceiling) implements Grader {
        @Override
        public String kind() {
            return "reply_max_length";
        }

        @Override
        public Score grade(RunTranscript run) {
            String none = noReply(run);
            if (none != null) {
                return Score.fail(name, "expected a reply of at most " + ceiling + " characters; " + none);
            }
            int length = run.reply().codePointCount(0, run.reply().length());
            return length <= ceiling
                    ? Score.pass(name, "the reply has " + length + " characters ≤ " + ceiling)
                    : Score.fail(name, "expected a reply of at most " + ceiling + " characters; found " + length);
        }
    }

    static String quoted(List<String> phrases) {
        List<String> parts = new ArrayList<>();
        for (String phrase : phrases) {
            parts.add(Text.quote(phrase));
        }
        return String.join(", ", parts);
    }

    /** A short excerpt of {@code reply} around the first (case-insensitive) occurrence of {@code phrase}. */
    static String excerptAround(String reply, String phrase) {
        int at = lower(reply).indexOf(lower(phrase));
        if (at < 0) {
            return Text.quote(reply);
        }
        int from = Math.max(0, at - 40);
        int to = Math.min(reply.length(), at + phrase.length() + 40);
        return (from > 0 ? "\"…" : "\"") + Text.truncate(reply.substring(from, to), Text.SHORT)
                + (to < reply.length() ? "…\"" : "\"");
    }
}
