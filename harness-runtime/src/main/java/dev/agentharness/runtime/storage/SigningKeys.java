package dev.agentharness.runtime.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The local store's HMAC key: {@code HARNESS_STORAGE_SIGNING_KEY} when set (every replica must share
 * it), otherwise 32 random bytes generated once and kept in the data directory, readable by the
 * owner only, so links survive restarts. {@code HARNESS_STORAGE_SIGNING_KEY_PREVIOUS} is the key before a rotation,
 * accepted for verification only ({@link LinkSigner}); it needs a configured current key.
 * Error messages name the variable, never its value.
 */
public final class SigningKeys {

    static final String FILE_NAME = "signing.key";
    public static final String CURRENT_VARIABLE = "HARNESS_STORAGE_SIGNING_KEY";
    public static final String PREVIOUS_VARIABLE = "HARNESS_STORAGE_SIGNING_KEY_PREVIOUS";

    private SigningKeys() {
    }

    /**
     * The previous key, or null when none is set.
     *
     * @throws IllegalArgumentException when it is shorter than 32 characters, or set without a current key (a rotation
     *                                  that forgot the new key would otherwise sign with a generated one nobody shares)
     */
    public static byte[] previous(String configuredPrevious, String configuredCurrent) {
        if (configuredPrevious == null || configuredPrevious.isBlank()) {
            return null;
        }
        if (configuredCurrent == null || configuredCurrent.isBlank()) {
            throw new IllegalArgumentException(PREVIOUS_VARIABLE + " is set but " + CURRENT_VARIABLE
                    + " is not: the previous key only verifies links; set the current key as well");
        }
        return configuredKey(PREVIOUS_VARIABLE, configuredPrevious);
    }

    private static byte[] configuredKey(String variable, String configured) {
        byte[] bytes = configured.strip().getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 32) {
            throw new IllegalArgumentException(variable + " must have at least 32 characters");
        }
        return bytes;
    }

    public static byte[] load(String configured, Path dataDir) {
        if (configured != null && !configured.isBlank()) {
            return configuredKey(CURRENT_VARIABLE, configured);
        }
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, HexFormat.of().formatHex(fresh));
                } catch (FileAlreadyExistsException raced) {
                    // another replica sharing the directory created it first: use theirs
                }
            }
            String stored = Files.readString(file).strip();
            if (stored.length() < 64) {
                // a crash between create and write leaves an empty file: regenerate once
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                stored = HexFormat.of().formatHex(fresh);
                Files.writeString(file, stored);
            }
            return HexFormat.of().parseHex(stored);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read or create the link signing key in " + dataDir, e);
        }
    }
}
