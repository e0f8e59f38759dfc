package io.switchboard.observe;

import io.switchboard.guard.Sanitizer;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness of one bridged system: down while it is configured and not connected. */
final class SystemHealthCheck extends AbstractHealthCheck {

    private final Supplier<Systems.Status> probe;

    SystemHealthCheck(String system, Supplier<Systems.Status> probe) {
        super("switchboard", "system-" + system);
        this.probe = probe;
    }

    @Override
    public boolean isLiveness() {
        // An unreachable remote system is no reason to restart Switchboard.
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Systems.Status status = probe.get();
        builder.detail("configured", status.configured());
        builder.detail("state", status.state().name().toLowerCase());
        if (status.detail() != null) {
            builder.detail("detail", Sanitizer.clean(status.detail()));
        }
        if (status.healthy()) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
