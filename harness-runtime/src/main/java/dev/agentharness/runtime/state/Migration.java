package dev.agentharness.runtime.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code V<n>__<name>.sql} script. The checksum ignores line endings so a Windows checkout is not "drift". */
public record Migration(int version, String name, String sql, String checksum) {

    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.sql");

    public static Migration of(String fileName, String sql) {
        Matcher m = FILE_NAME.matcher(fileName);
        if (!m.matches()) {
            throw new IllegalArgumentException("migration file name must look like V<n>__<name>.sql: " + fileName);
        }
        String normalized = sql.replace("\r\n", "\n");
        return new Migration(Integer.parseInt(m.group(1)), m.group(2), normalized, sha256(normalized));
    }

    static boolean isMigrationFileName(String fileName) {
        return FILE_NAME.matcher(fileName).matches();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
