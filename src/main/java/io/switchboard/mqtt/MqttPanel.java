package io.switchboard.mqtt;

import io.switchboard.observe.dashboard.DashboardPanel;
import io.switchboard.observe.dashboard.RecentEvents;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;

/**
 * MQTT sessions on the operations page, with their subscriptions. Incoming messages are not
 * listed one by one (a busy topic brings thousands a second): each second's count per session
 * becomes one event, read from the counters the sessions keep anyway.
 */
@BindToRegistry("mqttDashboardPanel")
public class MqttPanel implements DashboardPanel {

    private final Map<String, long[]> seen = new HashMap<>();

    @Override
    public String id() {
        return "mqtt";
    }

    @Override
    public int order() {
        return 30;
    }

    private static List<MqttSession> sessions(CamelContext camel) {
        MqttSessions sessions = camel.getRegistry().lookupByNameAndType("mqttSessions", MqttSessions.class);
        return sessions == null ? List.of() : sessions.all();
    }

    @Override
    public synchronized void watch(CamelContext camel, RecentEvents events) {
        Map<String, long[]> now = new HashMap<>();
        for (MqttSession s : sessions(camel)) {
            long[] counts = {s.received(), s.reconnects()};
            long[] before = seen.getOrDefault(s.id(), new long[2]);
            String who = "session " + s.id().substring(0, Math.min(8, s.id().length()));
            if (counts[0] > before[0]) {
                events.add("mqtt", "message", (counts[0] - before[0]) + " message(s) on " + who, "in", null, null);
            }
            if (counts[1] > before[1]) {
                events.add("mqtt", "reconnect", who + " reconnected to " + s.target(), "reconnect", null, null);
            }
            now.put(s.id(), counts);
        }
        seen.clear();
        seen.putAll(now);
    }

    @Override
    public Panel snapshot(CamelContext camel, boolean showContent) {
        List<MqttSession> all = sessions(camel);
        List<List<Object>> rows = new ArrayList<>();
        int down = 0;
        for (MqttSession s : all) {
            if (!s.isConnected()) {
                down++;
            }
            rows.add(List.of(s.id().substring(0, Math.min(8, s.id().length())), s.target().toString(),
                    s.state().name().toLowerCase(Locale.ROOT),
                    s.subscribedTopics().isEmpty() ? "—" : String.join(", ", s.subscribedTopics()),
                    s.received(), s.published(), s.reconnects()));
        }
        MqttSessions sessions = camel.getRegistry().lookupByNameAndType("mqttSessions", MqttSessions.class);
        int max = sessions == null ? 0 : sessions.settings().maxSessions();
        String state = all.isEmpty() ? "idle" : down > 0 ? "reconnecting" : "connected";
        return new Panel(id(), "MQTT", state,
                List.of(new Figure("sessions", all.size() + " / " + max)),
                List.of(),
                List.of(Table.of("Sessions", List.of("session", "broker", "state", "subscriptions", "received", "published", "reconnects"),
                        rows, "No MQTT session: a client opens one with mqtt_establish_connection")));
    }
}
