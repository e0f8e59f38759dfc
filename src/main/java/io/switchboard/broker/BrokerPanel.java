package io.switchboard.broker;

import io.switchboard.observe.dashboard.DashboardPanel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;

/**
 * The agent broker on the operations page: sessions with their queues (a bar against the queue
 * limit), and dead letters with a replay button. It asks the broker's own tool routes
 * (direct:broker_list_sessions, direct:broker_dead_letters), so the page shows exactly what a
 * client would be told, and a replay is the tool's replay.
 */
@BindToRegistry("brokerDashboardPanel")
public class BrokerPanel implements DashboardPanel {

    private static final int DEAD_LETTERS_SHOWN = 50;
    private volatile ProducerTemplate producer;

    @Override
    public String id() {
        return "broker";
    }

    @Override
    public int order() {
        return 20;
    }

    private ProducerTemplate producer(CamelContext camel) {
        ProducerTemplate p = producer;
        if (p == null) {
            p = producer = camel.createProducerTemplate();
        }
        return p;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Panel snapshot(CamelContext camel, boolean showContent) {
        if (camel.getRoute("broker-dead-letters") == null) {
            return null;
        }
        MessageRouter router = camel.getRegistry().lookupByNameAndType("brokerMessages", MessageRouter.class);
        long limit = router == null ? 0 : router.queueLimit();
        Map<String, Object> listed = producer(camel).requestBody("direct:broker_list_sessions",
                Map.of("status_filter", "all"), Map.class);
        List<Map<String, Object>> sessions = (List<Map<String, Object>>) listed.getOrDefault("sessions", List.of());
        List<List<Object>> sessionRows = new ArrayList<>();
        List<Queue> queues = new ArrayList<>();
        long active = 0;
        for (Map<String, Object> s : sessions) {
            String id = String.valueOf(s.get("session_id"));
            long depth = ((Number) s.getOrDefault("queue_size", 0)).longValue();
            if ("active".equals(s.get("status"))) {
                active++;
            }
            sessionRows.add(List.of(id, String.valueOf(s.get("status")), Boolean.TRUE.equals(s.get("online")) ? "yes" : "no",
                    depth, String.valueOf(s.get("last_heartbeat"))));
            queues.add(new Queue("inbox " + id, depth, limit > 0 ? limit : null));
        }
        Map<String, Object> letters = producer(camel).requestBody("direct:broker_dead_letters",
                Map.of("action", "list", "limit", DEAD_LETTERS_SHOWN), Map.class);
        List<Map<String, Object>> dead = (List<Map<String, Object>>) letters.getOrDefault("dead_letters", List.of());
        List<List<Object>> deadRows = new ArrayList<>();
        for (Map<String, Object> d : dead) {
            Map<String, Object> message = d.get("message") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            List<Object> row = new ArrayList<>(List.of(String.valueOf(d.get("dead_letter_id")), String.valueOf(d.get("reason")),
                    String.valueOf(message.getOrDefault("sender_id", "")), String.valueOf(message.getOrDefault("recipient_id", "")),
                    String.valueOf(d.get("created_at")), d.getOrDefault("replay_count", 0)));
            if (showContent) {
                row.add(String.valueOf(message.getOrDefault("payload", "")));
            }
            deadRows.add(row);
        }
        List<Figure> figures = List.of(
                new Figure("sessions", sessions.size()),
                new Figure("active", active),
                new Figure("queue limit", limit),
                new Figure("dead letters", dead.size() >= DEAD_LETTERS_SHOWN ? DEAD_LETTERS_SHOWN + "+" : dead.size()));
        List<Table> tables = List.of(
                Table.of("Sessions", List.of("session", "status", "online", "queued", "last heartbeat"), sessionRows,
                        "No agent session: agents join with broker_connect"),
                new Table("Dead letters", showContent
                        ? List.of("dead letter", "reason", "sender", "recipient", "created", "replays", "payload")
                        : List.of("dead letter", "reason", "sender", "recipient", "created", "replays"),
                        deadRows, "replay", "Replay",
                        "Put this message back in its recipient's queue?", "No dead letters"));
        return new Panel(id(), "Agent broker", "connected", figures, queues, tables);
    }

    /** "replay": the broker tool's own replay (a new message id in the recipient's queue). */
    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> act(CamelContext camel, String action, List<String> ids) {
        if (!"replay".equals(action)) {
            throw new IllegalArgumentException("the broker panel offers replay only");
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("name the dead letters to replay");
        }
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("action", "replay");
        args.put("dead_letter_ids", ids);
        args.put("limit", Math.min(500, Math.max(1, ids.size())));
        Map<String, Object> result = new LinkedHashMap<>(producer(camel).requestBody("direct:broker_dead_letters", args, Map.class));
        // The tool replays what it finds; an id it did not find (already replayed, never there) is said so here.
        List<String> missing = new ArrayList<>(ids);
        missing.removeAll((List<String>) result.getOrDefault("replayed", List.of()));
        missing.removeAll((List<String>) result.getOrDefault("failed", List.of()));
        if (!missing.isEmpty()) {
            result.put("not_found", missing);
            result.put("success", false);
        }
        return result;
    }
}
