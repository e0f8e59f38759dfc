package io.switchboard.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Switchboard had to give up on without a caller to tell: a notification it could not
 * deliver, a value it could not serialise, a stored value it could not read. Each is logged with a
 * correlation id (the reference an operator searches the log for) and counted in
 * {@code switchboard_faults_total{kind}}, so nothing is dropped silently.
 */
public final class Faults {

    private static final Logger LOG = LoggerFactory.getLogger(Faults.class);

    public enum Kind { NOTIFICATION_DROPPED, SERIALISATION_FAILED, UNREADABLE_STORED_VALUE }

    private final Supplier<MeterRegistry> registry;

    public Faults(Supplier<MeterRegistry> registry) {
        this.registry = registry;
    }

    /** Logs and counts the fault; answers its correlation id. */
    public String record(Kind kind, String where, Throwable cause) {
        String id = UUID.randomUUID().toString();
        String tag = kind.name().toLowerCase(Locale.ROOT);
        LOG.warn("{} in {} [{}]: {}", tag, where, id, cause == null ? "" : cause.toString());
        MeterRegistry r = registry.get();
        if (r != null) {
            Counter.builder("switchboard.faults").description("Faults with no caller to report them to")
                    .tag("kind", tag).register(r).increment();
        }
        return id;
    }
}
