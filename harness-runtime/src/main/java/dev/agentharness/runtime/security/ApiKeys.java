package dev.agentharness.runtime.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The API keys callers present as {@code Authorization: Bearer <key>}, parsed from
 * {@code HARNESS_API_KEYS}: comma-separated entries, each {@code principal:key} or a bare
 * {@code key}. Several keys may share one principal, which is how a key is rotated with two live
 * keys. A bare key gets a stable principal derived from its digest ({@code key-1a2b3c4d}).
 *
 * <p>Only SHA-256 digests are kept in memory and compared in constant time, so a heap dump or a
 * timing probe does not give a key away.
 */
public final class ApiKeys {

    private record Entry(String principal, byte[] digest) {
    }

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static ApiKeys parse(String spec) {
        List<Entry> entries = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return new ApiKeys(entries);
        }
        int position = 0;
        for (String raw : spec.split(",")) {
            position++;
            String item = raw.strip();
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.indexOf(':');
            String principal;
            String key;
            if (colon >= 0) {
                principal = item.substring(0, colon).strip();
                key = item.substring(colon + 1).strip();
                if (!principal.matches("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")) {
                    // The principal is not secret, but the entry is: name only its position.
                    throw new IllegalArgumentException("HARNESS_API_KEYS entry " + position
                            + ": principal must match [A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");
                }
            } else {
                key = item;
                principal = "key-" + HexFormat.of().formatHex(sha256(key)).substring(0, 8);
            }
            if (key.length() < 16) {
                throw new IllegalArgumentException("HARNESS_API_KEYS entry " + position
                        + ": key is shorter than 16 characters");
            }
            entries.add(new Entry(principal, sha256(key)));
        }
        return new ApiKeys(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /** The principal owning {@code presented}, checking every entry so timing doesn't reveal which matched. */
    public Optional<String> principalFor(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(presented);
        String found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.digest, digest) && found == null) {
                found = entry.principal;
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
