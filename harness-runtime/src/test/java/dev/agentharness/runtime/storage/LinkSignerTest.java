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

    private static final String KEY_A = "signing-key-A-before-the-rotation-000001";
    private static final String KEY_B = "signing-key-B-after-the-rotation-0000002";

    @Test
    void afterARotationLinksSignedWithThePreviousKeyStayValidUntilTheyExpire() {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        LinkSigner before = new LinkSigner(KEY_A.getBytes(), clock);
        LinkSigner rotated = new LinkSigner(KEY_B.getBytes(), KEY_A.getBytes(), clock);
        LinkSigner previousDropped = new LinkSigner(KEY_B.getBytes(), clock);
        long expires = NOW.getEpochSecond() + 60;
        String issuedBefore = before.sign("GET", "outputs/r/reply.md", expires);
        String issuedAfter = rotated.sign("GET", "outputs/r/reply.md", expires);

        assertEquals(LinkSigner.Verdict.VALID, rotated.verify("GET", "outputs/r/reply.md", Long.toString(expires), issuedBefore));
        assertEquals(LinkSigner.Verdict.VALID, rotated.verify("GET", "outputs/r/reply.md", Long.toString(expires), issuedAfter));
        assertEquals(previousDropped.sign("GET", "outputs/r/reply.md", expires), issuedAfter, "new links use the current key");
        // The previous key verifies only: it never signs, and once it is removed its links are refused.
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE,
                previousDropped.verify("GET", "outputs/r/reply.md", Long.toString(expires), issuedBefore));
        assertEquals(LinkSigner.Verdict.VALID,
                previousDropped.verify("GET", "outputs/r/reply.md", Long.toString(expires), issuedAfter));
        // Still bound to method, key and expiry under the previous key.
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE,
                rotated.verify("PUT", "outputs/r/reply.md", Long.toString(expires), issuedBefore));
        assertEquals(LinkSigner.Verdict.BAD_SIGNATURE,
                rotated.verify("GET", "outputs/r/reply.md", Long.toString(expires + 1), issuedBefore));
    }

    @Test
    void anExpiredLinkIsRefusedUnderEitherKey() {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        LinkSigner before = new LinkSigner(KEY_A.getBytes(), clock);
        LinkSigner rotated = new LinkSigner(KEY_B.getBytes(), KEY_A.getBytes(), clock);
        long expired = NOW.getEpochSecond() - 1;

        assertEquals(LinkSigner.Verdict.EXPIRED, rotated.verify("GET", "outputs/r/reply.md", Long.toString(expired),
                before.sign("GET", "outputs/r/reply.md", expired)));
        assertEquals(LinkSigner.Verdict.EXPIRED, rotated.verify("GET", "outputs/r/reply.md", Long.toString(expired),
                rotated.sign("GET", "outputs/r/reply.md", expired)));
    }

    @Test
    void thePreviousKeyNeedsACurrentOneAndThirtyTwoCharactersAndNoErrorEchoesIt() {
        var alone = assertThrows(IllegalArgumentException.class, () -> SigningKeys.previous(KEY_A, null));
        assertEquals("HARNESS_STORAGE_SIGNING_KEY_PREVIOUS is set but HARNESS_STORAGE_SIGNING_KEY is not: the previous"
                + " key only verifies links; set the current key as well", alone.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SigningKeys.previous(KEY_A, "  "));
        var shortKey = assertThrows(IllegalArgumentException.class,
                () -> SigningKeys.previous("previous-but-short", KEY_B));
        assertEquals("HARNESS_STORAGE_SIGNING_KEY_PREVIOUS must have at least 32 characters", shortKey.getMessage());
        var shortCurrent = assertThrows(IllegalArgumentException.class,
                () -> SigningKeys.load("current-but-short", Path.of("unused")));
        assertEquals("HARNESS_STORAGE_SIGNING_KEY must have at least 32 characters", shortCurrent.getMessage());
        assertEquals(null, SigningKeys.previous("", KEY_B));
        assertEquals(null, SigningKeys.previous(null, null));
        assertArrayEquals(KEY_A.getBytes(), SigningKeys.previous(" " + KEY_A + "\n", KEY_B));
    }
}
