package io.switchboard.observe;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.health.HealthCheckRegistry;

/**
 * The systems Switchboard bridges (XMPP, Mattermost, MQTT, Bindery, broker) and their state, as
 * each system reports it. Feeds switchboard_info and one readiness check per system: a system
 * that is configured but unreachable makes Switchboard not ready; one not configured does not.
 */
public final class Systems {

    /**
     * Connection states, as the spec names them; STANDBY: another instance (the elected leader)
     * holds this connection, so this one is ready without it.
     */
    public enum State { NOT_CONFIGURED, DISCONNECTED, CONNECTING, CONNECTED, RECONNECTING, FAILED, STANDBY }

    /**
     * A system's state. {@code gatesReadiness}: whether Switchboard is not ready while this system
     * is configured and not connected. A connection Switchboard is configured with (the store,
     * an XMPP account) does; connections clients open to servers of their choosing (MQTT
     * sessions) do not: one client's broker going away must not take the gateway out of service
     * for everyone. Their state still shows in the check's data ({@code /observe/health?data=true}).
     */
    public record Status(String name, boolean configured, State state, String detail, boolean gatesReadiness) {
        public Status(String name, boolean configured, State state, String detail) {
            this(name, configured, state, detail, true);
        }

        public boolean healthy() {
            return !configured || !gatesReadiness || state == State.CONNECTED || state == State.STANDBY;
        }

        public Map<String, Object> toMap() {
            return Map.of("configured", configured, "state", state.name().toLowerCase(), "detail", detail == null ? "" : detail);
        }
    }

    private final CamelContext camel;
    private final Map<String, Supplier<Status>> probes = new ConcurrentSkipListMap<>();

    public Systems(CamelContext camel) {
        this.camel = camel;
    }

    /** A system says how to ask for its state; a readiness check named after it appears. */
    public void register(String name, Supplier<Status> probe) {
        probes.put(name, probe);
        HealthCheckRegistry registry = HealthCheckHelper.getHealthCheckRegistry(camel);
        if (registry != null) {
            registry.register(new SystemHealthCheck(name, probe));
        }
    }

    public List<Status> all() {
        return probes.values().stream().map(Supplier::get).toList();
    }
}
