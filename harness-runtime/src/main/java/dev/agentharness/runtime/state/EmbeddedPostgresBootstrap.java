package dev.agentharness.runtime.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Roles, passwords and ownership of the embedded database, applied on every start in single-user mode (no socket, no
 * port: nothing can connect while it runs). Idempotent; on a data directory of an earlier version (trust, tables owned
 * by {@code postgres}) it hands every object in {@code public} to the owner role.
 */
final class EmbeddedPostgresBootstrap {

    /** Password logins over the Unix socket, nothing else: no trust, no peer, no TCP line at all. */
    static final String PG_HBA = """
            # Written by the agent harness on every start: edits are overwritten.
            # TYPE  DATABASE  USER  METHOD
            local   all       all   scram-sha-256
            """;
    private static final Pattern PASSWORD = Pattern.compile("[A-Za-z0-9_-]{32,}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EmbeddedPostgresBinaries binaries;
    private final Path dataDirectory;

    EmbeddedPostgresBootstrap(EmbeddedPostgresBinaries binaries, Path dataDirectory) {
        this.binaries = binaries;
        this.dataDirectory = dataDirectory;
    }

    /** The password kept in {@code file} (0600), generated on first use. */
    static String password(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] bytes = new byte[32];
                RANDOM.nextBytes(bytes);
                String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, generated, StandardCharsets.UTF_8);
                } catch (FileAlreadyExistsException raced) {
                    // someone else wrote it: read theirs
                }
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            String password = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!PASSWORD.matcher(password).matches()) {
                // Also keeps the value safe to embed as an SQL literal below.
                throw new IllegalStateException(file + " must hold at least 32 characters of [A-Za-z0-9_-]; delete it to "
                        + "have a new password generated");
            }
            return password;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

    void apply(String superuserPassword, String ownerPassword) {
        String output = binaries.run("postgres", List.of("--single", "-j", "-D", dataDirectory.toString(),
                        // An error must never echo the statement: it holds a password.
                        "-c", "log_min_error_statement=panic", "-c", "log_min_messages=warning",
                        EmbeddedPostgresServer.DATABASE),
                script(superuserPassword, ownerPassword), Duration.ofMinutes(5));
        // Single-user mode exits 0 whatever happened; its errors are in the output.
        List<String> errors = output.lines().filter(line -> line.contains("ERROR:") || line.contains("FATAL:")
                || line.contains("PANIC:")).collect(Collectors.toList());
        if (!errors.isEmpty()) {
            throw new IllegalStateException("setting up the embedded database's roles failed: " + String.join(" / ", errors));
        }
    }

    static String script(String superuserPassword, String ownerPassword) {
        String owner = EmbeddedPostgresServer.OWNER_ROLE;
        // -j mode: a statement ends with ';' followed by an empty line.
        return """
                ALTER ROLE postgres WITH PASSWORD '%2$s';

                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '%1$s') THEN
                    CREATE ROLE %1$s LOGIN;
                  END IF;
                END $$;

                ALTER ROLE %1$s WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
                  PASSWORD '%3$s';

                DO $$ DECLARE r record; BEGIN
                  FOR r IN SELECT roleid::regrole AS role FROM pg_catalog.pg_auth_members
                           WHERE member = '%1$s'::regrole LOOP
                    EXECUTE format('REVOKE %%s FROM %1$s', r.role);
                  END LOOP;
                END $$;

                ALTER DATABASE %4$s OWNER TO %1$s;

                ALTER SCHEMA public OWNER TO %1$s;

                DO $$ DECLARE r record; BEGIN
                  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_catalog.pg_class c
                           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                             AND c.relowner <> '%1$s'::regrole LOOP
                    EXECUTE format('ALTER %%s %%s OWNER TO %1$s',
                        CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                       WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name);
                  END LOOP;
                  -- Sequences of serial columns followed their table; these are the free-standing ones.
                  FOR r IN SELECT c.oid::regclass AS name FROM pg_catalog.pg_class c
                           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
                             AND c.relowner <> '%1$s'::regrole LOOP
                    EXECUTE format('ALTER SEQUENCE %%s OWNER TO %1$s', r.name);
                  END LOOP;
                  FOR r IN SELECT p.oid::regprocedure AS name FROM pg_catalog.pg_proc p
                           WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '%1$s'::regrole LOOP
                    EXECUTE format('ALTER ROUTINE %%s OWNER TO %1$s', r.name);
                  END LOOP;
                  FOR r IN SELECT t.oid::regtype AS name, t.typtype FROM pg_catalog.pg_type t
                           WHERE t.typnamespace = 'public'::regnamespace AND t.typowner <> '%1$s'::regrole
                             AND t.typtype IN ('d', 'e', 'r') LOOP
                    EXECUTE format('ALTER %%s %%s OWNER TO %1$s',
                        CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.name);
                  END LOOP;
                END $$;

                """.formatted(owner, superuserPassword, ownerPassword, EmbeddedPostgresServer.DATABASE);
    }
}
