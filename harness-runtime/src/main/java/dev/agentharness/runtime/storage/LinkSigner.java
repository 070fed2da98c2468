package dev.agentharness.runtime.storage;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;

/**
 * HMAC-SHA256 signatures for the local store's links. The signed string binds the method, the
 * key and the expiry, so changing any of them — or any character of the signature — makes the
 * link invalid; comparison is constant-time.
 *
 * <p>Rotation: links are signed with the current key only and verified against the current key, then the previous
 * one ({@code HARNESS_STORAGE_SIGNING_KEY_PREVIOUS}), so links handed out before a rotation keep working until they
 * expire. An expired link stays expired under either key.
 */
public final class LinkSigner {

    /** Why a link was refused; every reason answers 403, the reason only goes to the problem detail. */
    public enum Verdict { VALID, EXPIRED, BAD_SIGNATURE }

    private final byte[] key;
    private final byte[] previous;
    private final Clock clock;

    public LinkSigner(byte[] key, Clock clock) {
        this(key, null, clock);
    }

    /** @param previous the key before the last rotation, still accepted for verification; null when there is none */
    public LinkSigner(byte[] key, byte[] previous, Clock clock) {
        if (key.length < 32 || previous != null && previous.length < 32) {
            throw new IllegalArgumentException("the link signing key must have at least 32 bytes");
        }
        this.key = key.clone();
        this.previous = previous == null ? null : previous.clone();
        this.clock = clock;
    }

    public String sign(String method, String objectKey, long expiresEpochSecond) {
        return sign(key, method, objectKey, expiresEpochSecond);
    }

    private static String sign(byte[] key, String method, String objectKey, long expiresEpochSecond) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal((method + "\n" + objectKey + "\n" + expiresEpochSecond)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    public Verdict verify(String method, String objectKey, String expires, String signature) {
        long expiresAt;
        try {
            expiresAt = Long.parseLong(expires);
        } catch (NumberFormatException | NullPointerException e) {
            return Verdict.BAD_SIGNATURE;
        }
        if (signature == null) {
            return Verdict.BAD_SIGNATURE;
        }
        // Signature first: an expired link with a forged expiry must not learn anything about validity.
        byte[] presented = signature.getBytes(StandardCharsets.UTF_8);
        boolean authentic = MessageDigest.isEqual(sign(key, method, objectKey, expiresAt)
                .getBytes(StandardCharsets.US_ASCII), presented);
        if (!authentic && previous != null) {
            authentic = MessageDigest.isEqual(sign(previous, method, objectKey, expiresAt)
                    .getBytes(StandardCharsets.US_ASCII), presented);
        }
        if (!authentic) {
            return Verdict.BAD_SIGNATURE;
        }
        return clock.instant().getEpochSecond() >= expiresAt ? Verdict.EXPIRED : Verdict.VALID;
    }

    public Clock clock() {
        return clock;
    }
}
