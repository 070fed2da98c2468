package dev.agentharness.runtime.state;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.KeyStoreException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.TrustManagerFactory;
import org.jboss.logging.Logger;

/**
 * A PostgreSQL connection URL as users paste it from Neon ({@code postgresql://user:pass@host/db?sslmode=require}),
 * turned into Vert.x {@link PgConnectOptions}. {@link #toString()} never shows the password.
 *
 * <p>TLS: {@code verify-ca} verifies the chain (against {@code sslrootcert} or the JDK trust store), {@code verify-full}
 * also the host name, as in libpq. <b>{@code sslmode=require} is stricter than libpq</b>: libpq only encrypts, but a
 * user who pastes Neon's or Azure's DSN expects the server to be checked, and an unverified TLS connection gives a
 * network attacker the database password. So {@code require} verifies like {@code verify-full} unless verification is
 * switched off ({@code DATABASE_TLS_VERIFY=false}), which logs a warning. {@code allow|prefer} encrypt opportunistically
 * and verify nothing (they fall back to plain text anyway).
 *
 * <p>{@code channel_binding=require}: the Vert.x client uses SCRAM-SHA-256-PLUS (tls-server-end-point) whenever the
 * server offers it over TLS, but cannot itself refuse a server that does not. What libpq's {@code require} protects
 * against — a man in the middle with another certificate — is excluded by certificate verification, so
 * {@code channel_binding=require} is accepted with a verified certificate and refused at startup without one.
 */
public final class DatabaseUrl {

    private static final Logger LOG = Logger.getLogger(DatabaseUrl.class);
    static final int DEFAULT_PORT = 5432;
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final PgConnectOptions options;
    private final List<String> ignoredParameters;

    private DatabaseUrl(PgConnectOptions options, List<String> ignoredParameters) {
        this.options = options;
        this.ignoredParameters = List.copyOf(ignoredParameters);
    }

    /** {@link #parse(String, boolean)} with {@code sslmode=require} verifying the certificate. */
    public static DatabaseUrl parse(String url) {
        return parse(url, true);
    }

    /** {@code DATABASE_TLS_VERIFY}: anything but {@code false} keeps verification on. */
    public static boolean tlsVerification(String setting) {
        return setting == null || !"false".equalsIgnoreCase(setting.strip());
    }

    /** A connection over the Unix socket {@code socketDirectory/.s.PGSQL.<port>} (the embedded database). */
    static DatabaseUrl unixSocket(Path socketDirectory, int port, String user, String password, String database) {
        PgConnectOptions options = new PgConnectOptions()
                .setHost(socketDirectory.toString())
                .setPort(port)
                .setUser(user)
                .setPassword(password)
                .setDatabase(database)
                .setSslMode(SslMode.DISABLE)
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setUseLayer7Proxy(true)
                .setCachePreparedStatements(false);
        return new DatabaseUrl(options, List.of());
    }

    /**
     * Parses a {@code postgresql://} or {@code postgres://} URL; throws {@link IllegalArgumentException} (no secrets in
     * the message).
     *
     * @param verifyRequire whether {@code sslmode=require} verifies the certificate and host name
     */
    public static DatabaseUrl parse(String url, boolean verifyRequire) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("database URL is empty");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            // The raw input may contain the password: never echo it.
            throw new IllegalArgumentException("database URL is not a valid URI");
        }
        String scheme = uri.getScheme();
        if (!"postgresql".equalsIgnoreCase(scheme) && !"postgres".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("database URL must start with postgresql:// or postgres://");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalArgumentException("database URL has no host");
        }
        PgConnectOptions options = new PgConnectOptions()
                .setHost(uri.getHost())
                .setPort(uri.getPort() > 0 ? uri.getPort() : DEFAULT_PORT)
                // PgBouncer transaction mode (Neon's pooled endpoint): both settings are needed (STACK.md pitfall 1).
                .setUseLayer7Proxy(true)
                .setCachePreparedStatements(false)
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setSslMode(SslMode.DISABLE)
                // Vert.x defaults are "user"/"pass"/"db" (or PG* env vars): a URL must mean only what it says.
                .setUser("postgres")
                .setPassword("")
                .setDatabase("");
        applyUserInfo(uri.getRawUserInfo(), options);
        String path = uri.getRawPath();
        String database = path == null || path.length() <= 1 ? null : decode(path.substring(1));
        if (database != null) {
            options.setDatabase(database);
        }

        Map<String, String> params = queryParameters(uri.getRawQuery());
        List<String> ignored = new ArrayList<>();
        String sslRootCert = params.remove("sslrootcert");
        String sslMode = params.remove("sslmode");
        String channelBinding = params.remove("channel_binding");
        boolean verified = applySslMode(sslMode == null ? "disable" : sslMode, sslRootCert, verifyRequire, options);
        checkChannelBinding(channelBinding, verified);
        for (Map.Entry<String, String> param : params.entrySet()) {
            String value = param.getValue();
            switch (param.getKey()) {
                case "user" -> options.setUser(value);
                case "password" -> options.setPassword(value);
                case "dbname" -> options.setDatabase(value);
                case "application_name" -> options.addProperty("application_name", value);
                case "options" -> options.addProperty("options", value);
                case "connect_timeout" -> options.setConnectTimeout(parseSeconds(value) * 1000);
                default -> {
                    ignored.add(param.getKey());
                    // Name only the parameter: values may be secrets.
                    LOG.warnf("Ignoring unsupported database URL parameter '%s'", param.getKey());
                }
            }
        }
        if (options.getDatabase().isBlank()) {
            options.setDatabase(options.getUser()); // libpq's default
        }
        return new DatabaseUrl(options, ignored);
    }

    /** A fresh copy each call, so callers may tune it without affecting this value. */
    public PgConnectOptions connectOptions() {
        // The copy constructor drops the layer-7 proxy flag (Vert.x 4.5), so set both PgBouncer settings again.
        return new PgConnectOptions(options).setUseLayer7Proxy(true).setCachePreparedStatements(false);
    }

    /** Parameters that were present in the URL but not understood (names only). */
    public List<String> ignoredParameters() {
        return ignoredParameters;
    }

    /** {@code postgresql://user:***@host:port/db?sslmode=…}, safe for logs. */
    public String redacted() {
        StringBuilder out = new StringBuilder("postgresql://");
        out.append(options.getUser());
        if (!options.getPassword().isEmpty()) {
            out.append(":***");
        }
        out.append('@');
        out.append(options.getHost()).append(':').append(options.getPort()).append('/').append(options.getDatabase());
        out.append("?sslmode=").append(options.getSslMode().value);
        return out.toString();
    }

    @Override
    public String toString() {
        return redacted();
    }

    private static void applyUserInfo(String rawUserInfo, PgConnectOptions options) {
        if (rawUserInfo == null || rawUserInfo.isEmpty()) {
            return;
        }
        int colon = rawUserInfo.indexOf(':');
        if (colon < 0) {
            options.setUser(decode(rawUserInfo));
        } else {
            options.setUser(decode(rawUserInfo.substring(0, colon)));
            options.setPassword(decode(rawUserInfo.substring(colon + 1)));
        }
    }

    /** Returns whether the server certificate will be verified. */
    private static boolean applySslMode(String value, String sslRootCert, boolean verifyRequire,
            PgConnectOptions options) {
        SslMode mode;
        try {
            mode = SslMode.of(value.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unsupported sslmode '" + value
                    + "' (expected disable, allow, prefer, require, verify-ca or verify-full)");
        }
        if (mode == SslMode.REQUIRE && verifyRequire) {
            mode = SslMode.VERIFY_FULL; // see the class comment: require verifies unless switched off
        }
        options.setSslMode(mode);
        switch (mode) {
            case ALLOW, PREFER -> options.setTrustAll(true);
            case REQUIRE -> {
                options.setTrustAll(true);
                LOG.warnf("sslmode=require for %s WITHOUT certificate verification (DATABASE_TLS_VERIFY=false): anyone on "
                        + "the network path can pose as the database and read its password and data. Prefer adding "
                        + "sslrootcert=<CA file> to the URL", options.getHost());
            }
            case VERIFY_CA -> options.setTrustOptions(trust(sslRootCert)).setHostnameVerificationAlgorithm("");
            case VERIFY_FULL -> options.setTrustOptions(trust(sslRootCert)).setHostnameVerificationAlgorithm("HTTPS");
            case DISABLE -> { }
        }
        return mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
    }

    private static void checkChannelBinding(String value, boolean verified) {
        if (value == null) {
            return;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "disable", "prefer" -> { }
            case "require" -> {
                if (!verified) {
                    throw new IllegalArgumentException("channel_binding=require needs a verified server certificate "
                            + "(sslmode=require, verify-ca or verify-full, with DATABASE_TLS_VERIFY not false): the "
                            + "client cannot enforce channel binding on its own; remove channel_binding or verify TLS");
                }
            }
            default -> throw new IllegalArgumentException("unsupported channel_binding '" + value
                    + "' (expected disable, prefer or require)");
        }
    }

    private static TrustOptions trust(String sslRootCert) {
        // libpq 16+: sslrootcert=system means the platform's CA store.
        if (sslRootCert != null && !sslRootCert.isBlank() && !"system".equals(sslRootCert)) {
            if (!Files.isReadable(Path.of(sslRootCert))) {
                throw new IllegalArgumentException("sslrootcert file " + sslRootCert + " does not exist or is not readable");
            }
            return new PemTrustOptions().addCertPath(sslRootCert);
        }
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null); // the JDK's default CA bundle
            return TrustOptions.wrap(factory);
        } catch (NoSuchAlgorithmException | KeyStoreException e) {
            throw new IllegalStateException("cannot load the JDK trust store for sslmode verification", e);
        }
    }

    private static int parseSeconds(String value) {
        try {
            int seconds = Integer.parseInt(value.trim());
            return seconds > 0 ? seconds : CONNECT_TIMEOUT_MILLIS / 1000;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("connect_timeout must be a number of seconds");
        }
    }

    private static Map<String, String> queryParameters(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.put(key, value);
        }
        return params;
    }

    private static String decode(String raw) {
        // URLDecoder turns '+' into a space, which is wrong for URI user info and paths; protect it first.
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
