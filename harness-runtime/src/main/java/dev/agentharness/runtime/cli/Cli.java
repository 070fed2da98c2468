package dev.agentharness.runtime.cli;

import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.util.Map;

/**
 * What a command sees of the outside world: the environment, the two output streams and the clock. Passed in so
 * tests run commands in process with their own environment and capture the output.
 */
public record Cli(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) {

    public static final String HARNESS_URL = "HARNESS_URL";
    public static final String HARNESS_API_KEY = "HARNESS_API_KEY";
    /** Where {@code make run} serves the harness (application.properties: {@code quarkus.http.port=${PORT:8000}}). */
    public static final String DEFAULT_URL = "http://localhost:8000";

    public static Cli system() {
        return new Cli(System.getenv(), System.out, System.err, Clock.systemUTC());
    }

    /** {@code --target}, else {@code HARNESS_URL}, else the local harness of {@code make run}. */
    public URI target(String option) {
        String url = option != null && !option.isBlank() ? option : env.get(HARNESS_URL);
        url = url == null || url.isBlank() ? DEFAULT_URL : url.strip();
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new UsageException("the target '" + url + "' is not a URL");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new UsageException("the target '" + url + "' must be an http:// or https:// URL");
        }
        if (uri.getUserInfo() != null) {
            throw new UsageException("the target URL must not carry credentials: set " + HARNESS_API_KEY);
        }
        return uri;
    }

    /** The API key from {@code HARNESS_API_KEY} (never a flag: it would end up in shell history and {@code ps}). */
    public String apiKey() {
        String key = env.get(HARNESS_API_KEY);
        return key == null || key.isBlank() ? null : key.strip();
    }
}
