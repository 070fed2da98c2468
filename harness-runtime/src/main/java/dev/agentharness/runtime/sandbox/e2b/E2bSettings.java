package dev.agentharness.runtime.sandbox.e2b;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to reach E2B. {@link #toString()} never shows the API key.
 *
 * @param apiUrl     the control plane ({@code E2B_API_URL}, default {@code https://api.<domain>})
 * @param sandboxUrl envd's base URL for every sandbox ({@code E2B_SANDBOX_URL}, may contain
 *                   {@code {sandboxID}}); null = the direct host {@code https://49983-<id>.<domain>}
 * @param owner      the value of the {@code harness} metadata label: which sandboxes this harness
 *                   (and its reaper) considers its own
 */
public record E2bSettings(String apiKey, String domain, URI apiUrl, String template, String sandboxUrl, String owner) {

    public static final String DEFAULT_DOMAIN = "e2b.app";
    public static final String DEFAULT_TEMPLATE = "base";
    public static final String DEFAULT_OWNER = "agent-harness";
    static final int ENVD_PORT = 49983;

    /** Settings, or why they are unusable (variable names only, never values). */
    public record Resolution(Optional<E2bSettings> settings, List<String> problems) {
    }

    public static Resolution resolve(String apiKey, String domain, String apiUrl, String template, String sandboxUrl,
                                     String owner) {
        List<String> problems = new ArrayList<>();
        if (!present(apiKey)) {
            problems.add("E2B_API_KEY is not set");
        } else if (apiKey.strip().chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            problems.add("E2B_API_KEY contains whitespace or non-ASCII characters");
        }
        String effectiveDomain = present(domain) ? domain.strip() : DEFAULT_DOMAIN;
        if (!effectiveDomain.matches("[A-Za-z0-9.-]+(:[0-9]+)?")) {
            problems.add("E2B_DOMAIN must be a domain name such as e2b.app");
        }
        URI api = url(present(apiUrl) ? apiUrl.strip() : "https://api." + effectiveDomain, "E2B_API_URL", problems);
        String sandbox = null;
        if (present(sandboxUrl)) {
            sandbox = sandboxUrl.strip();
            url(sandbox.replace("{sandboxID}", "x"), "E2B_SANDBOX_URL", problems);
        }
        String effectiveOwner = present(owner) ? owner.strip() : DEFAULT_OWNER;
        if (!effectiveOwner.matches("[A-Za-z0-9._-]{1,63}")) {
            problems.add("E2B_SANDBOX_OWNER must be 1-63 letters, digits, '.', '_' or '-'");
        }
        if (!problems.isEmpty()) {
            return new Resolution(Optional.empty(), problems);
        }
        return new Resolution(Optional.of(new E2bSettings(apiKey.strip(), effectiveDomain, api,
                present(template) ? template.strip() : DEFAULT_TEMPLATE, sandbox, effectiveOwner)), List.of());
    }

    /** envd's base URL for one sandbox: the override, or the direct host on the sandbox's domain. */
    public URI envdUrl(String sandboxId, String sandboxDomain) {
        if (sandboxUrl != null) {
            return URI.create(sandboxUrl.replace("{sandboxID}", sandboxId));
        }
        String host = sandboxDomain == null || sandboxDomain.isBlank() ? domain : sandboxDomain;
        return URI.create("https://" + ENVD_PORT + "-" + sandboxId + "." + host);
    }

    private static URI url(String value, String variable, List<String> problems) {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null || uri.getUserInfo() != null) {
                problems.add(variable + " must be an http(s) URL without credentials");
                return null;
            }
            return uri;
        } catch (IllegalArgumentException e) {
            problems.add(variable + " is not a URL");
            return null;
        }
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    @Override
    public String toString() {
        return "E2bSettings[apiKey=***, domain=" + domain + ", apiUrl=" + apiUrl + ", template=" + template
                + ", sandboxUrl=" + sandboxUrl + ", owner=" + owner + "]";
    }
}
