package dev.agentharness.runtime.runs;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How long finished runs, audit entries and idempotency keys are kept ({@code harness.retention.*}). 0 = forever.
 * The job's interval is {@code harness.retention.interval}, read by the scheduler itself ({@link RetentionJob}).
 */
@ConfigMapping(prefix = "harness.retention")
public interface RetentionSettings {

    /** Finished runs with their traces and artifact rows. */
    @WithDefault("90")
    int runsDays();

    @WithDefault("365")
    int auditDays();

    /** After this, a finished run's Idempotency-Key may be used again (the run itself stays). */
    @WithDefault("7")
    int idempotencyDays();

    /** Rows per statement: each batch is its own short transaction. */
    @WithDefault("500")
    int batchSize();

    /** The scheduler reads this one; it is here so the setting has one documented home. */
    @WithDefault("1h")
    String interval();
}
