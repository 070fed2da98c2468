package dev.agentharness.operator.harness;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the harness is and how the operator authenticates to it. The token never appears in
 * {@link #toString()}, a log line, a status or an Event.
 *
 * @param url            base URL of the harness API, e.g. {@code http://agent-harness:8000}
 * @param apiToken       one of the harness's {@code HARNESS_API_KEYS}, sent as {@code Authorization: Bearer};
 *                       empty for a harness in dev mode (loopback callers only)
 * @param connectTimeout TCP connect timeout of every call
 * @param readTimeout    response timeout of every call
 */
public record HarnessSettings(URI url, Optional<String> apiToken, Duration connectTimeout, Duration readTimeout) {

    public HarnessSettings {
        apiToken = apiToken.filter(t -> !t.isBlank());
    }

    @Override
    public String toString() {
        return "HarnessSettings[url=" + Redaction.withoutUserInfo(url.toString()) + ", apiToken="
                + (apiToken.isPresent() ? "(set)" : "(none)") + ", connectTimeout=" + connectTimeout
                + ", readTimeout=" + readTimeout + "]";
    }
}
