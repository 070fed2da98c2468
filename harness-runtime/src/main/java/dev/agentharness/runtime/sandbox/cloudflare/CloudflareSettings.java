package dev.agentharness.runtime.sandbox.cloudflare;

import java.net.URI;
import java.util.Optional;

/**
 * Where the bridge Worker is and how to authenticate to it. {@link #toString()} never shows the key.
 *
 * @param workerUrl {@code CLOUDFLARE_SANDBOX_WORKER_URL}, without a trailing slash
 * @param apiKey    {@code CLOUDFLARE_SANDBOX_API_KEY}, sent as {@code Authorization: Bearer}; empty = none
 */
public record CloudflareSettings(URI workerUrl, Optional<String> apiKey) {

    /** Reads the two variables; a missing or malformed URL stops the boot with a message naming the variable only. */
    public static CloudflareSettings resolve(Optional<String> workerUrl, Optional<String> apiKey) {
        String url = workerUrl.map(String::strip).filter(s -> !s.isEmpty()).orElseThrow(() -> new IllegalStateException(
                "SANDBOX_PROVIDER=cloudflare needs CLOUDFLARE_SANDBOX_WORKER_URL (the URL of your Cloudflare Sandbox bridge Worker)"));
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("CLOUDFLARE_SANDBOX_WORKER_URL is not a URL");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
                || uri.getHost() == null || uri.getUserInfo() != null || uri.getQuery() != null) {
            throw new IllegalStateException("CLOUDFLARE_SANDBOX_WORKER_URL must be an http(s) URL without credentials "
                    + "or query, e.g. https://sandbox-bridge.example.workers.dev");
        }
        return new CloudflareSettings(uri, apiKey.map(String::strip).filter(s -> !s.isEmpty()));
    }

    @Override
    public String toString() {
        return "CloudflareSettings[workerUrl=" + workerUrl + ", apiKey=" + (apiKey.isPresent() ? "***" : "none") + "]";
    }
}
