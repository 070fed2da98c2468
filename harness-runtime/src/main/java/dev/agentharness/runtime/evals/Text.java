package dev.agentharness.runtime.evals;

/** Short, single-line renderings of what a run did, for explanations (never whole replies or tool outputs). */
final class Text {

    static final int SHORT = 120;
    static final int LONG = 300;

    private Text() {
    }

    /** {@code text} on one line, cut to {@code max} characters with an ellipsis. */
    static String truncate(String text, int max) {
        if (text == null) {
            return "null";
        }
        String oneLine = text.replaceAll("\\s+", " ").strip();
        if (oneLine.length() <= max) {
            return oneLine;
        }
        int end = max;
        if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
            end--;
        }
        return oneLine.substring(0, end) + "…";
    }

    /** {@code "text"} quoted and cut to {@link #SHORT}. */
    static String quote(String text) {
        return text == null ? "null" : "\"" + truncate(text, SHORT) + "\"";
    }
}
