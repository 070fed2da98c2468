package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.vertx.pgclient.SslMode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DatabaseUrlTest {

    record Expected(String host, int port, String database, String user, String password, SslMode sslMode,
            List<String> ignored) {
    }

    static Stream<Arguments> urls() {
        return Stream.of(
                Arguments.of("Neon pooled DSN as pasted",
                        "postgresql://neondb_owner:npg_s3cr3t@ep-cool-darkness-a1b2c3d4-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require",
                        new Expected("ep-cool-darkness-a1b2c3d4-pooler.eu-central-1.aws.neon.tech", 5432, "neondb",
                                // require is verified like verify-full (issue 10, finding 12)
                                "neondb_owner", "npg_s3cr3t", SslMode.VERIFY_FULL, List.of())),
                Arguments.of("postgres:// scheme, explicit port, no TLS",
                        "postgres://app:pw@db.internal:6543/harness",
                        new Expected("db.internal", 6543, "harness", "app", "pw", SslMode.DISABLE, List.of())),
                Arguments.of("URL-encoded user and password",
                        "postgresql://us%40er:p%40ss%3Aw%2Fo+rd%25@localhost/db",
                        new Expected("localhost", 5432, "db", "us@er", "p@ss:w/o+rd%", SslMode.DISABLE, List.of())),
                Arguments.of("no database: defaults to the user name",
                        "postgresql://alice@localhost",
                        new Expected("localhost", 5432, "alice", "alice", "", SslMode.DISABLE, List.of())),
                Arguments.of("sslmode disable", "postgresql://u@h/d?sslmode=disable",
                        new Expected("h", 5432, "d", "u", "", SslMode.DISABLE, List.of())),
                Arguments.of("sslmode allow", "postgresql://u@h/d?sslmode=allow",
                        new Expected("h", 5432, "d", "u", "", SslMode.ALLOW, List.of())),
                Arguments.of("sslmode prefer", "postgresql://u@h/d?sslmode=prefer",
                        new Expected("h", 5432, "d", "u", "", SslMode.PREFER, List.of())),
                Arguments.of("sslmode verify-ca", "postgresql://u@h/d?sslmode=verify-ca",
                        new Expected("h", 5432, "d", "u", "", SslMode.VERIFY_CA, List.of())),
                Arguments.of("sslmode verify-full", "postgresql://u@h/d?sslmode=VERIFY-FULL",
                        new Expected("h", 5432, "d", "u", "", SslMode.VERIFY_FULL, List.of())),
                Arguments.of("unknown parameters ignored by name",
                        "postgresql://u@h/d?target_session_attrs=read-write&application_name=harness&options=endpoint%3Dep-x&foo=secret",
                        new Expected("h", 5432, "d", "u", "", SslMode.DISABLE, List.of("target_session_attrs", "foo"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("urls")
    void parses_urls_as_users_paste_them(String description, String url, Expected expected) {
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        PgConnectOptions options = parsed.connectOptions();

        assertEquals(expected.host(), options.getHost());
        assertEquals(expected.port(), options.getPort());
        assertEquals(expected.database(), options.getDatabase());
        assertEquals(expected.user(), options.getUser());
        assertEquals(expected.password(), options.getPassword());
        assertEquals(expected.sslMode(), options.getSslMode());
        assertEquals(expected.ignored(), parsed.ignoredParameters());
    }

    @Test
    void is_always_configured_for_pgbouncer_transaction_mode() {
        PgConnectOptions options = DatabaseUrl.parse("postgresql://u:p@h/d").connectOptions();

        assertTrue(options.getUseLayer7Proxy());
        assertFalse(options.getCachePreparedStatements());
        assertEquals(10_000, options.getConnectTimeout());
    }

    @Test
    void keeps_application_name_and_options_as_startup_properties() {
        PgConnectOptions options = DatabaseUrl
                .parse("postgresql://u@h/d?application_name=harness&options=endpoint%3Dep-x").connectOptions();

        assertEquals("harness", options.getProperties().get("application_name"));
        assertEquals("endpoint=ep-x", options.getProperties().get("options"));
    }

    @Test
    void require_verifies_the_certificate_and_host_name_against_the_jdk_trust_store() {
        PgConnectOptions require = DatabaseUrl.parse("postgresql://u@ep-x.neon.tech/d?sslmode=require").connectOptions();
        PgConnectOptions full = DatabaseUrl.parse("postgresql://u@h/d?sslmode=verify-full").connectOptions();

        for (PgConnectOptions options : List.of(require, full)) {
            assertEquals(SslMode.VERIFY_FULL, options.getSslMode());
            assertFalse(options.isTrustAll());
            assertNotNull(options.getTrustOptions());
            assertEquals("HTTPS", options.getHostnameVerificationAlgorithm());
        }
    }

    @Test
    void require_only_encrypts_when_verification_is_switched_off() {
        PgConnectOptions require = DatabaseUrl.parse("postgresql://u@h/d?sslmode=require", false).connectOptions();
        PgConnectOptions full = DatabaseUrl.parse("postgresql://u@h/d?sslmode=verify-full", false).connectOptions();

        assertEquals(SslMode.REQUIRE, require.getSslMode());
        assertTrue(require.isTrustAll());
        assertEquals(SslMode.VERIFY_FULL, full.getSslMode(), "an explicit verify-full is never weakened");
        assertFalse(full.isTrustAll());
        assertFalse(DatabaseUrl.tlsVerification("false"));
        assertFalse(DatabaseUrl.tlsVerification(" FALSE "));
        assertTrue(DatabaseUrl.tlsVerification("true"));
        assertTrue(DatabaseUrl.tlsVerification(null));
    }

    @Test
    void verify_ca_checks_the_chain_but_not_the_host_name() {
        PgConnectOptions options = DatabaseUrl.parse("postgresql://u@h/d?sslmode=verify-ca").connectOptions();

        assertEquals(SslMode.VERIFY_CA, options.getSslMode());
        assertFalse(options.isTrustAll());
        assertNotNull(options.getTrustOptions());
        assertEquals("", options.getHostnameVerificationAlgorithm());
    }

    @Test
    void sslrootcert_is_the_trust_file_and_must_exist(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        for (String mode : List.of("require", "verify-ca", "verify-full")) {
            PgConnectOptions options = DatabaseUrl.parse("postgresql://u@h/d?sslmode=" + mode + "&sslrootcert=" + ca)
                    .connectOptions();
            PemTrustOptions trust = assertInstanceOf(PemTrustOptions.class, options.getTrustOptions(), mode);
            assertEquals(List.of(ca.toString()), trust.getCertPaths(), mode);
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(
                "postgresql://u@h/d?sslmode=require&sslrootcert=" + dir.resolve("nope.pem")));
        assertTrue(missing.getMessage().contains("sslrootcert"), missing.getMessage());
        assertFalse(DatabaseUrl.parse("postgresql://u@h/d?sslmode=verify-full&sslrootcert=system").connectOptions()
                .getTrustOptions() instanceof PemTrustOptions, "sslrootcert=system is the platform store, as in libpq");
    }

    @Test
    void channel_binding_require_is_accepted_with_a_verified_certificate_and_refused_without() {
        String neon = "postgresql://u:p@ep-x.neon.tech/d?sslmode=require&channel_binding=require";
        assertEquals(SslMode.VERIFY_FULL, DatabaseUrl.parse(neon).connectOptions().getSslMode());
        assertEquals(SslMode.VERIFY_CA, DatabaseUrl.parse(
                "postgresql://u@h/d?sslmode=verify-ca&channel_binding=require").connectOptions().getSslMode());

        for (String refused : List.of("postgresql://u@h/d?channel_binding=require",
                "postgresql://u@h/d?sslmode=prefer&channel_binding=require")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(refused));
            assertTrue(e.getMessage().contains("channel_binding=require"), e.getMessage());
        }
        IllegalArgumentException unverified = assertThrows(IllegalArgumentException.class,
                () -> DatabaseUrl.parse(neon, false));
        assertTrue(unverified.getMessage().contains("channel_binding=require"), unverified.getMessage());
        assertFalse(unverified.getMessage().contains(":p@"));

        assertEquals(SslMode.DISABLE, DatabaseUrl.parse("postgresql://u@h/d?channel_binding=prefer").connectOptions()
                .getSslMode());
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("postgresql://u@h/d?channel_binding=maybe"));
    }

    @Test
    void never_shows_the_password() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://neondb_owner:npg_s3cr3t@host.neon.tech/neondb?sslmode=require");

        assertFalse(url.toString().contains("npg_s3cr3t"));
        assertFalse(url.redacted().contains("npg_s3cr3t"));
        assertEquals("postgresql://neondb_owner:***@host.neon.tech:5432/neondb?sslmode=verify-full", url.redacted());
    }

    @Test
    void without_user_info_connects_as_postgres_without_password() {
        PgConnectOptions options = DatabaseUrl.parse("postgresql://localhost:5433").connectOptions();

        assertEquals("postgres", options.getUser());
        assertEquals("", options.getPassword());
        assertEquals("postgres", options.getDatabase());
    }

    @Test
    void connect_options_are_a_fresh_copy() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://u@h/d");
        url.connectOptions().setHost("elsewhere");

        assertEquals("h", url.connectOptions().getHost());
    }

    @Test
    void rejects_bad_urls_without_echoing_secrets() {
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
                () -> DatabaseUrl.parse("mysql://u:topsecret@h/d"));
        IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class,
                () -> DatabaseUrl.parse("postgresql://u:top secret@h/d"));
        IllegalArgumentException sslMode = assertThrows(IllegalArgumentException.class,
                () -> DatabaseUrl.parse("postgresql://u:topsecret@h/d?sslmode=sometimes"));

        for (IllegalArgumentException e : List.of(scheme, syntax, sslMode)) {
            assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(""));
        assertEquals("", DatabaseUrl.parse("postgresql://u@h/d").connectOptions().getPassword());
    }
}
