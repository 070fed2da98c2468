package dev.agentharness.runtime.model;

import java.util.regex.Pattern;

/**
 * Removes U+0000 from what a model produced. A model can emit it (raw, or as the JSON escape {@code \u0000} inside
 * tool arguments), but no text or jsonb value can hold it — PostgreSQL rejects the whole write — and it carries no
 * meaning in a reply. Stripped where model output enters the harness, so nothing downstream ever sees one.
 */
public final class NulCharacters {

    /** {@code \u0000} escapes preceded by an even number of backslashes (an odd number escapes the backslash). */
    private static final Pattern JSON_NUL_ESCAPE = Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000");

    private NulCharacters() {
    }

    /** {@code text} without U+0000 characters; null stays null. */
    public static String strip(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace("\0", "");
    }

    /** A JSON document without U+0000: raw characters and {@code \u0000} escapes inside its strings are removed. */
    public static String stripJson(String json) {
        String raw = strip(json);
        return raw == null || !raw.contains("\\u0000") ? raw : JSON_NUL_ESCAPE.matcher(raw).replaceAll("$1");
    }
}
