package io.switchboard.store;

import io.switchboard.guard.Sanitizer;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Ready while the store answers {@code select 1} through the pool in time. */
final class StoreHealthCheck extends AbstractHealthCheck {

    private final Store store;

    StoreHealthCheck(Store store) {
        super("switchboard", "store");
        this.store = store;
    }

    @Override
    public boolean isLiveness() {
        // A database that went away is no reason to restart Switchboard: it comes back by itself.
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Store.Probe probe = store.probe();
        builder.detail("database", probe.database());
        builder.detail("pool_active", probe.active());
        builder.detail("pool_idle", probe.idle());
        builder.detail("pool_max", probe.max());
        if (probe.up()) {
            builder.up();
        } else {
            // Driver text may name hosts, paths and users: sanitised like a tool error.
            builder.detail("error", Sanitizer.clean(probe.error()));
            builder.down();
        }
    }
}
