package dev.agentharness.operator.harness;

import java.util.regex.Pattern;

/**
 * Makes text from the outside world (harness problem details, exception messages) safe to put in
 * a CR status or an Event: no credentials, no control characters, bounded length.
 */
public final class Redaction {

    /** Conditions and Events are read by people: a paragraph is enough. */
    public static final int MAX_MESSAGE = 1024;

    private static final Pattern USER_INFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/@\\s]*@");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[^\\s\"',;]+");

    private Redaction() {
    }

    /** {@code https://user:pass@host/x} → {@code https://host/x}. */
    public static String withoutUserInfo(String text) {
        return USER_INFO.matcher(text).replaceAll("$1");
    }

    /** Removes every occurrence of {@code secret} (when given), URL credentials and bearer tokens; bounds the length. */
    public static String clean(String text, String secret) {
        if (text == null) {
            return "";
        }
        String cleaned = text;
        if (secret != null && !secret.isEmpty()) {
            cleaned = cleaned.replace(secret, "[redacted]");
        }
        cleaned = withoutUserInfo(cleaned);
        cleaned = BEARER.matcher(cleaned).replaceAll("$1[redacted]");
        cleaned = cleaned.replaceAll("\\p{Cntrl}", " ").strip();
        return cleaned.length() > MAX_MESSAGE ? cleaned.substring(0, MAX_MESSAGE - 1) + "…" : cleaned;
    }
}
