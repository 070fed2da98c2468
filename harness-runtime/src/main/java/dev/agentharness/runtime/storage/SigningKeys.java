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
 * owner only, so links survive restarts.
 */
public final class SigningKeys {

    static final String FILE_NAME = "signing.key";

    private SigningKeys() {
    }

    public static byte[] load(String configured, Path dataDir) {
        if (configured != null && !configured.isBlank()) {
            byte[] bytes = configured.strip().getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32) {
                throw new IllegalArgumentException("HARNESS_STORAGE_SIGNING_KEY must have at least 32 characters");
            }
            return bytes;
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
