package dev.agentharness.runtime.storage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which file names stay inside their prefix, and what a user is told when one does not. */
class ObjectKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {"data.csv", "reports/q3 summary.pdf", "ünïcode-名前.txt", ".hidden", "a..b", "x/..y/z"})
    void safeNamesLandUnderTheSessionsInputPrefix(String name) {
        assertEquals("inputs/" + ObjectKeys.principalScope("alice") + "/ses_1/" + name, ObjectKeys.input("alice", "ses_1", name));
    }

    @org.junit.jupiter.api.Test
    void theSameSessionIdOfTwoPrincipalsIsTwoPrefixes() {
        String alice = ObjectKeys.input("alice", "shared", "notes.txt");
        String bob = ObjectKeys.input("bob", "shared", "notes.txt");

        assertTrue(alice.matches("inputs/p_[0-9a-f]{32}/shared/notes\\.txt"), alice);
        assertTrue(bob.matches("inputs/p_[0-9a-f]{32}/shared/notes\\.txt"), bob);
        assertNotEquals(alice, bob);
        assertFalse(alice.startsWith(ObjectKeys.INPUTS + ObjectKeys.sessionPath("bob", "shared")));
        assertEquals(ObjectKeys.INPUTS + ObjectKeys.sessionPath("alice", "shared") + "/notes.txt", alice);
        // Stable across releases: stored objects are found again after an upgrade.
        assertEquals("p_2bd806c97f0e00af1a1fc3328fa763a9", ObjectKeys.principalScope("alice"));
        assertThrows(IllegalArgumentException.class, () -> ObjectKeys.sessionPath("", "shared"));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.sessionPath("alice", "../x"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "../escape.txt|'.' or '..'",
            "a/../../etc/passwd|'.' or '..'",
            "./here.txt|'.' or '..'",
            "a/..|'.' or '..'",
            "/etc/passwd|absolute",
            "C:/Windows/win.ini|absolute",
            "a\\..\\b|'\\'",
            "a//b|empty path segments",
            "dir/|empty path segments",
    })
    void namesThatEscapeThePrefixAreRefusedWithTheReason(String name, String reason) {
        var e = assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.input("alice", "ses_1", name));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nul\u0000.txt", "line\nbreak.txt", "tab\t.txt", "esc\u001b[31m.txt", "del\u007f.txt",
            "rtl\u202egnp.exe", "c1\u0085.txt"})
    void controlCharactersAreRefused(String name) {
        var e = assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.input("alice", "ses_1", name));
        assertTrue(e.getMessage().contains("control characters"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../ses", "ses/../x", "a b"})
    void idsInKeysAreCheckedToo(String id) {
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.output(id, "reply.md"));
    }

    @org.junit.jupiter.api.Test
    void namesHaveALengthLimit() {
        ObjectKeys.checkName("a".repeat(ObjectKeys.MAX_NAME_LENGTH));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.checkName("a".repeat(ObjectKeys.MAX_NAME_LENGTH + 1)));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.checkName(null));
    }

    @org.junit.jupiter.api.Test
    void checkpointsLiveUnderTheirRunAndNeverInALink() {
        assertEquals("checkpoints/run_1/call_9.tar", ObjectKeys.checkpoint("run_1", "call_9.tar"));
        assertEquals("checkpoints/run_1/", ObjectKeys.checkPrefix(ObjectKeys.checkpoints("run_1")));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.checkpoints("../run_1"));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.checkpoint("run_1", "../run_2/x.tar"));
        assertEquals("outputs/run_1/a.txt", ObjectKeys.checkLinkable("outputs/run_1/a.txt"));
        ObjectKeys.InvalidNameException e = assertThrows(ObjectKeys.InvalidNameException.class,
                () -> ObjectKeys.checkLinkable("checkpoints/run_1/call_9.tar"));
        assertEquals("checkpoints are never handed out as links", e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void reportsAreKeysReadableThroughALinkButNeverUploadable() {
        String key = ObjectKeys.report("nightly/2026-12-04/report.html");
        assertEquals("reports/nightly/2026-12-04/report.html", key);
        assertEquals(key, ObjectKeys.checkKey(key));
        assertEquals(key, ObjectKeys.checkLinkable(key));
        assertEquals("reports/", ObjectKeys.checkPrefix(ObjectKeys.REPORTS));
        var upload = assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.checkUploadable(key));
        assertTrue(upload.getMessage().contains("reports"), upload.getMessage());
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.checkUploadable("checkpoints/r1/c.tar"));
        assertEquals("outputs/r1/reply.md", ObjectKeys.checkUploadable("outputs/r1/reply.md"));
        assertThrows(ObjectKeys.InvalidNameException.class, () -> ObjectKeys.report("../outputs/x"));
    }
}
