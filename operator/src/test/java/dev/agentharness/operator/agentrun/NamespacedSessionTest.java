package dev.agentharness.operator.agentrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** spec.sessionId → the harness session: scoped to the namespace, injective, always a valid harness session id. */
class NamespacedSessionTest {

    /** What the harness's RunRequestValidator accepts. */
    private static final Pattern HARNESS_SESSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    @Test
    void theSameSessionIdInTwoNamespacesIsTwoSessions() {
        assertEquals("team-a.shared", NamespacedSession.harnessId("team-a", "shared"));
        assertEquals("team-b.shared", NamespacedSession.harnessId("team-b", "shared"));
        assertNull(NamespacedSession.harnessId("team-a", null), "no sessionId: the harness derives one per run");
    }

    @Test
    void noSessionIdInOneNamespaceNamesAnotherNamespacesSession() {
        // Every split of "a.b.c" and the like, plus ids that look like the other forms.
        List<String[]> pairs = List.of(new String[] {"a", "b.c"}, new String[] {"a-b", "c"}, new String[] {"a", "b-c"},
                new String[] {"team-b", "team-a.shared"}, new String[] {"team-a", "shared"},
                new String[] {"team-b", "shared"}, new String[] {"x", NamespacedSession.HASHED_PREFIX + "0".repeat(64)},
                new String[] {"ns", "ses_0123456789abcdef0123456789abcdef"},
                new String[] {"n".repeat(63), "s".repeat(64)}, new String[] {"n".repeat(63), "s".repeat(65)},
                new String[] {"n".repeat(62), "s".repeat(65)}, new String[] {"n".repeat(63), "s".repeat(128)});
        Map<String, String> seen = new HashMap<>();
        for (String[] pair : pairs) {
            String id = NamespacedSession.harnessId(pair[0], pair[1]);
            assertTrue(HARNESS_SESSION_ID.matcher(id).matches(), id);
            String before = seen.put(id, pair[0] + "/" + pair[1]);
            assertNull(before, id + " is the session of both " + before + " and " + pair[0] + "/" + pair[1]);
            assertTrue(id.startsWith(pair[0] + ".") || id.startsWith(NamespacedSession.HASHED_PREFIX), id);
        }
        assertNotEquals(NamespacedSession.harnessId("team-b", "team-a.shared"), NamespacedSession.harnessId("team-a", "shared"));
    }

    @Test
    void tooLongForTheHarnessBecomesAHashThatNeverEqualsAReadableId() {
        String ns = "n".repeat(63);
        assertEquals(ns + "." + "s".repeat(64), NamespacedSession.harnessId(ns, "s".repeat(64)), "exactly 128 characters");
        String hashed = NamespacedSession.harnessId(ns, "s".repeat(65));
        assertTrue(hashed.matches("ns-sha256:[0-9a-f]{64}"), hashed);
        assertTrue(!hashed.contains("."), "a readable id always has a '.', a hashed one never");
        assertEquals(hashed, NamespacedSession.harnessId(ns, "s".repeat(65)), "deterministic");
    }
}
