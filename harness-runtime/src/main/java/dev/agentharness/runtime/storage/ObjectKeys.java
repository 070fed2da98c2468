package dev.agentharness.runtime.storage;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The key layout (SPEC §7) and the one place that decides whether a user-supplied name is safe.
 *
 * <p>Session inputs live under {@code inputs/<principal scope>/<session id>/}: a session id is chosen by the
 * client and means something only together with its principal, so two principals naming the same id get two
 * prefixes. The principal scope is {@code p_} + 32 hex of the principal's SHA-256 (fixed length, safe in any
 * store, whatever characters a principal name has). Outputs stay {@code outputs/<run id>/}: run ids are made
 * by the harness and unique across principals.
 * A name may contain sub-directories but must stay inside its prefix: no absolute paths, no
 * {@code .}/{@code ..} segments, no backslashes, no control characters, no empty segments.
 */
public final class ObjectKeys {

    public static final String INPUTS = "inputs/";
    public static final String OUTPUTS = "outputs/";
    public static final String KNOWLEDGE = "knowledge/";
    /**
     * Workspace checkpoints of sandbox runs ({@code checkpoints/<run id>/<file>}): the harness's own, never handed
     * out as a link ({@link #checkLinkable}) and never mountable (mounts admit inputs/, outputs/, knowledge/ only).
     */
    public static final String CHECKPOINTS = "checkpoints/";
    /**
     * Evaluation reports ({@code reports/nightly/<date>/report.html}, …): written by the harness's own jobs, read only
     * through a presigned GET link that the job hands out. No API route names them (outputs are reached by run id,
     * inputs by session) and no upload link may name one ({@link #checkUploadable}); never mountable.
     */
    public static final String REPORTS = "reports/";
    public static final int MAX_NAME_LENGTH = 255;

    /** Ids go into keys verbatim, so they get the same charset the API accepts for session ids. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    private ObjectKeys() {
    }

    public static String output(String runId, String name) {
        return OUTPUTS + id(runId) + "/" + checkName(name);
    }

    /** The prefix of every checkpoint of run {@code runId}. */
    public static String checkpoints(String runId) {
        return CHECKPOINTS + id(runId) + "/";
    }

    /** The key of checkpoint file {@code name} of run {@code runId}. */
    public static String checkpoint(String runId, String name) {
        return checkpoints(runId) + checkName(name);
    }

    /** The key of report file {@code name} (e.g. {@code nightly/2026-12-04/report.html}). */
    public static String report(String name) {
        return REPORTS + checkName(name);
    }

    /** The key of input file {@code name} of {@code principal}'s session {@code sessionId}. */
    public static String input(String principal, String sessionId, String name) {
        return INPUTS + sessionPath(principal, sessionId) + "/" + checkName(name);
    }

    /**
     * {@code <principal scope>/<session id>}: where a session's objects sit below {@code inputs/}, and what
     * {@code {session_id}} stands for in a mount prefix, so a run reaches only its own principal's session.
     */
    public static String sessionPath(String principal, String sessionId) {
        return principalScope(principal) + "/" + id(sessionId);
    }

    static String principalScope(String principal) {
        if (principal == null || principal.isEmpty()) {
            throw new IllegalArgumentException("a session's objects always belong to a principal");
        }
        return "p_" + Digests.sha256Hex(principal.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    /**
     * Returns {@code name} when it is a safe relative name; otherwise throws with a message that says
     * what is wrong with it (for a 400 detail).
     */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidNameException("a file name is required");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidNameException("a file name has at most " + MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || Character.isSurrogate(c) && !validSurrogatePair(name, i)) {
                throw new InvalidNameException("a file name must not contain control characters");
            }
            if (c == '\\') {
                throw new InvalidNameException("a file name must use '/' between directories, not '\\'");
            }
        }
        if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
            throw new InvalidNameException("a file name must be relative, not an absolute path");
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty()) {
                throw new InvalidNameException("a file name must not contain empty path segments ('//' or a trailing '/')");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new InvalidNameException("a file name must not contain '.' or '..' segments");
            }
        }
        return name;
    }

    /** Full keys handed to a store: one of the known prefixes followed by a safe name. */
    public static String checkKey(String key) {
        if (key == null || !(key.startsWith(INPUTS) || key.startsWith(OUTPUTS) || key.startsWith(KNOWLEDGE)
                || key.startsWith(CHECKPOINTS) || key.startsWith(REPORTS))) {
            throw new InvalidNameException("an object key starts with inputs/, outputs/, knowledge/, checkpoints/ or "
                    + "reports/");
        }
        checkName(key);
        return key;
    }

    /**
     * Keys a signed link may name: a checkpoint is a whole workspace of a run and only the harness reads it, so no
     * link to one ever exists (a sandbox or a client holding one could read or replace another run's workspace).
     */
    public static String checkLinkable(String key) {
        checkKey(key);
        if (key.startsWith(CHECKPOINTS)) {
            throw new InvalidNameException("checkpoints are never handed out as links");
        }
        return key;
    }

    /**
     * Keys an upload link (presigned PUT) may name: linkable ones except reports — a report link is handed to people
     * to read; a link that could replace a report would let its holder rewrite what others read.
     */
    public static String checkUploadable(String key) {
        checkLinkable(key);
        if (key.startsWith(REPORTS)) {
            throw new InvalidNameException("reports are never uploaded through a link");
        }
        return key;
    }

    /** A key prefix to list: a known prefix followed by safe directory names, ending with '/'. */
    public static String checkPrefix(String prefix) {
        if (prefix == null || !prefix.endsWith("/")) {
            throw new InvalidNameException("a key prefix ends with '/'");
        }
        if (prefix.equals(INPUTS) || prefix.equals(OUTPUTS) || prefix.equals(KNOWLEDGE) || prefix.equals(CHECKPOINTS)
                || prefix.equals(REPORTS)) {
            return prefix;
        }
        checkKey(prefix.substring(0, prefix.length() - 1));
        return prefix;
    }

    private static String id(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidNameException("an id in an object key must match " + ID.pattern());
        }
        return id;
    }

    private static boolean validSurrogatePair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** A name or key that would escape its prefix or is otherwise unusable. */
    public static class InvalidNameException extends IllegalArgumentException {
        public InvalidNameException(String message) {
            super(message);
        }
    }
}
