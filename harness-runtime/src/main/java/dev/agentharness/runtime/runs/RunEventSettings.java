package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How {@code GET /runs/{id}/events} follows a run's journal ({@code harness.events.*}). */
@ConfigMapping(prefix = "harness.events")
public interface RunEventSettings {

    /**
     * How often an open stream re-reads the run while it is not terminal. Polling, not LISTEN/NOTIFY: PgBouncer in
     * transaction mode (Neon's pooled endpoint) does not deliver notifications. Runs executing on this replica wake
     * their streams at once besides ({@link RunEventsNotifier}).
     */
    @WithDefault("250")
    int pollMillis();

    /** A comment line ({@code : keep-alive}) after this long without an event, so proxies keep the stream open. */
    @WithDefault("15")
    int heartbeatSeconds();
}
