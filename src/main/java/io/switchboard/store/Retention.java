package io.switchboard.store;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;

/**
 * The {@code retention} bean: the instant before which a table's rows have outlived their age.
 * The retention routes (one per table, in the system's own route file) ask it and delete what is
 * older with one prepared statement each.
 */
public final class Retention {

    private final Clock clock;

    public Retention(Clock clock) {
        this.clock = clock;
    }

    /** Epoch milliseconds {@code age} (ISO-8601, e.g. P30D) ago, for the BIGINT time columns. */
    public long cutoff(String age) {
        return clock.millis() - Duration.parse(age).toMillis();
    }

    /** The same instant for a TIMESTAMP column (Camel's idempotent repository). */
    public Timestamp cutoffTimestamp(String age) {
        return new Timestamp(cutoff(age));
    }
}
