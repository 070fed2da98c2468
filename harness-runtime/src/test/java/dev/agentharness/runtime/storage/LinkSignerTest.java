package dev.agentharness.runtime.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The local store's signatures bind method, key and expiry; its key is kept owner-only. */
class LinkSignerTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final LinkSigner signer = new LinkSigner(new byte[32], Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aSignatureIsValidUntilItsExpiryAndOnlyForItsMethodAndKey() {
        long expires = NOW.getEpochSecond() + 60;
        String signature = signer.sign("GET", "outputs/r/reply.md", expires);

        assertEquals(LinkSigner.Verdict.VALID, signer.verify("GET", "outputs/r/reply.md", Long.toString(expires), signature));
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE, signer.verify("PUT", "outputs/r/reply.md", Long.toString(expires), signature));
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE, signer.verify("GET", "outputs/r/reply.mD", Long.toString(expires), signature));
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE, signer.verify("GET", "outputs/r/reply.md", Long.toString(expires + 3600), signature));
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE, signer.verify("GET", "outputs/r/reply.md", "soon", signature));
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE, signer.verify("GET", "outputs/r/reply.md", Long.toString(expires), null));
    }

    @Test
    void anAuthenticLinkPastItsExpiryIsExpired() {
        long expires = NOW.getEpochSecond();
        String signature = signer.sign("GET", "outputs/r/reply.md", expires);
        assertEquals(LinkSigner.Verdict.EXPIRED, signer.verify("GET", "outputs/r/reply.md", Long.toString(expires), signature));
    }

    @Test
    void shortKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LinkSigner(new byte[16], Clock.systemUTC()));
        assertThrows(IllegalArgumentException.class, () -> SigningKeys.load("too-short", Path.of("unused")));
    }

    @Test
    void aGeneratedKeyIsOwnerOnlyAndSurvivesRestarts(@TempDir Path dir) throws Exception {
        byte[] first = SigningKeys.load(null, dir);
        byte[] second = SigningKeys.load("", dir);

        assertArrayEquals(first, second);
        assertEquals(32, first.length);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(SigningKeys.FILE_NAME))));
    }

    @Test
    void aConfiguredKeyWinsAndWritesNothing(@TempDir Path dir) {
        byte[] key = SigningKeys.load("a-shared-signing-key-for-all-replicas-0001", dir);
        assertEquals("a-shared-signing-key-for-all-replicas-0001", new String(key));
        assertFalse(Files.exists(dir.resolve(SigningKeys.FILE_NAME)));
    }
}
