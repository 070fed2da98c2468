package dev.agentharness.runtime.observability;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Escapes control characters in every log record's message and arguments, so a run id, session id, file name, model
 * name, tool call id or a remote service's error text can never start a forged log line or move a terminal's cursor.
 * {@code \n} becomes {@code \\n}, {@code \r} {@code \\r}, other C0/C1 controls, DEL and U+2028/U+2029 {@code \\uXXXX};
 * tab stays. Registered on the console and file handlers ({@code quarkus.log.*.filter=control-characters}), so it
 * covers every logger, ours and the libraries'. Stack traces are printed by the formatter and are left as they are.
 */
@LoggingFilter(name = "control-characters")
public final class ControlCharacterFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        Object[] parameters = record.getParameters();
        if (parameters != null) {
            Object[] escaped = null;
            for (int i = 0; i < parameters.length; i++) {
                Object parameter = parameters[i];
                // Numbers, booleans etc. never need it, and must stay as they are for %d-style formats.
                if (parameter == null || parameter instanceof Number || parameter instanceof Boolean) {
                    continue;
                }
                String text = String.valueOf(parameter);
                if (needsEscaping(text)) {
                    if (escaped == null) {
                        escaped = parameters.clone();
                    }
                    escaped[i] = escape(text);
                }
            }
            if (escaped != null) {
                record.setParameters(escaped);
            }
        }
        String message = record.getMessage();
        if (message != null && needsEscaping(message)) {
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(escape(message), ext.getFormatStyle());
            } else {
                record.setMessage(escape(message));
            }
        }
        return true;
    }

    static boolean needsEscaping(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean isControl(char c) {
        return c != '\t' && (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029');
    }
}
