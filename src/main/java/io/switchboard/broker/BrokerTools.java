package io.switchboard.broker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import io.switchboard.observe.Faults;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The glue between the broker's YAML routes and its domain: reads a tool's arguments off the
 * exchange, asks the registries, and shapes the answer the tool contract promises.
 */
public final class BrokerTools {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerTools.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final SessionRegistry sessions;
    private final MessageRouter router;
    private final Negotiator negotiator;
    private final ObjectMapper mapper;
    private final Supplier<MeterRegistry> metrics;
    private final Faults faults;

    public BrokerTools(SessionRegistry sessions, MessageRouter router, Negotiator negotiator, ObjectMapper mapper,
                       Supplier<MeterRegistry> metrics) {
        this.sessions = sessions;
        this.router = router;
        this.negotiator = negotiator;
        this.mapper = mapper;
        this.metrics = metrics;
        this.faults = new Faults(metrics);
    }

    /** broker_connect: the broker_sessions row to upsert becomes the body. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> connect(Exchange ex) {
        Map<String, Object> args = ex.getMessage().getBody(Map.class);
        String mcp = ex.getMessage().getHeader("McpSessionId", String.class);
        Map<String, Object> row = sessions.connect(args, mcp, ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        ex.setProperty("brokerResumed", args.get("resume_session_id") != null);
        return row;
    }

    /** After the upsert: whatever waited in the queue is announced again, oldest first within a priority. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> connected(Exchange ex, List<Map<String, Object>> backlog) {
        Map<String, Object> row = ex.getProperty("brokerSession", Map.class);
        BrokerSession s = sessions.require(String.valueOf(row.get("session_id")));
        List<Map<String, Object>> delivered = router.backlogDelivered(backlog == null ? List.of() : backlog);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("session_id", s.id());
        result.put("resumed", Boolean.TRUE.equals(ex.getProperty("brokerResumed")));
        result.put("status", s.status().name().toLowerCase(Locale.ROOT));
        result.put("capabilities", s.capabilities().toMap());
        result.put("queue_size", backlog == null ? 0 : backlog.size());
        result.put("notified", delivered.size());
        result.put("inbox_uri", String.format(MessageRouter.INBOX_URI, s.id()));
        return result;
    }

    public Map<String, Object> heartbeat(Exchange ex) {
        BrokerSession s = sessions.caller(ex.getMessage().getHeader("McpSessionId", String.class), ex.getMessage().getBody(Map.class),
                ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        return sessions.heartbeat(s);
    }

    public Map<String, Object> heartbeatResult(Map<String, Object> row) {
        return Map.of("success", true, "session_id", row.get("session_id"), "status", row.get("status"),
                "last_heartbeat", Instant.ofEpochMilli(((Number) row.get("last_heartbeat")).longValue()).toString());
    }

    /** The timer's sweep: sessions gone quiet turn stale, then disconnected; events are logged and counted. */
    public List<Map<String, Object>> sweep(List<Map<String, Object>> silent) {
        List<Map<String, Object>> changed = sessions.sweep(silent, System.currentTimeMillis());
        for (Map<String, Object> row : changed) {
            String event = "session_" + row.get("status");
            LOG.info("Broker event {}: session {}", event, row.get("session_id"));
            MeterRegistry r = metrics.get();
            if (r != null) {
                r.counter("broker.session.events", "event", event).increment();
            }
        }
        return changed;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> listSessions(Exchange ex, List<Map<String, Object>> depths) {
        Map<String, Object> args = ex.getProperty("brokerArgs", Map.class);
        String filter = args.get("status_filter") == null ? "all" : String.valueOf(args.get("status_filter")).toLowerCase(Locale.ROOT);
        if (!List.of("active", "stale", "disconnected", "all").contains(filter)) {
            throw ToolException.validation("status_filter must be active, stale, disconnected or all");
        }
        boolean withCaps = Boolean.TRUE.equals(args.get("include_capabilities"));
        Map<String, Long> queue = new HashMap<>();
        for (Map<String, Object> raw : depths) {
            Map<String, Object> d = ProtocolRegistry.lowerKeys(raw);
            queue.put(String.valueOf(d.get("recipient_id")), ((Number) d.get("depth")).longValue());
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (BrokerSession s : sessions.all()) {
            if (filter.equals("all") || s.status().name().equalsIgnoreCase(filter)) {
                Map<String, Object> m = s.describe(withCaps, queue.getOrDefault(s.id(), 0L));
                m.put("online", sessions.online(s));
                list.add(m);
            }
        }
        return Map.of("sessions", list, "count", list.size());
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> negotiate(Exchange ex) {
        Map<String, Object> args = ex.getMessage().getBody(Map.class);
        BrokerSession me = sessions.caller(ex.getMessage().getHeader("McpSessionId", String.class), ex.getMessage().getBody(Map.class),
                ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        BrokerSession other = sessions.require(ProtocolRegistry.string(args.get("target_session_id")));
        List<Map<String, Object>> required = args.get("required_protocols") == null ? null
                : mapper.convertValue(args.get("required_protocols"), new TypeReference<List<Map<String, Object>>>() {
                });
        return negotiator.negotiate(me, other, required);
    }

    // ------------------------------------------------------------------ dead letters

    @SuppressWarnings("unchecked")
    public Map<String, Object> deadLetterQuery(Exchange ex) {
        Map<String, Object> args = ex.getMessage().getBody(Map.class);
        String action = args.get("action") == null ? "list" : String.valueOf(args.get("action"));
        int limit = args.get("limit") == null ? 50 : ((Number) args.get("limit")).intValue();
        if (limit < 1 || limit > 500) {
            throw ToolException.validation("limit must be between 1 and 500");
        }
        List<String> ids = args.get("dead_letter_ids") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
        if (!action.equals("list") && !action.equals("replay")) {
            throw ToolException.validation("action must be list or replay");
        }
        if (action.equals("replay") && ids.isEmpty()) {
            throw ToolException.validation("replay needs dead_letter_ids", "List them first with action: list");
        }
        ex.setProperty("brokerAction", action);
        ex.setProperty("brokerReplayIds", ids);
        Map<String, Object> q = new HashMap<>();
        q.put("limit", limit);
        q.put("ids", ids.isEmpty() ? List.of("") : ids);
        q.put("all", ids.isEmpty() ? 1 : 0);
        // Only dead letters of messages to or from the caller's own sessions (every one without tokens).
        List<String> mine = sessions.visibleTo(ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        q.put("every_session", mine == null ? 1 : 0);
        q.put("sessions", mine == null || mine.isEmpty() ? List.of("") : mine);
        return q;
    }

    public Map<String, Object> deadLetters(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> raw : rows) {
            Map<String, Object> r = ProtocolRegistry.lowerKeys(raw);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dead_letter_id", r.get("id"));
            m.put("reason", r.get("reason"));
            m.put("error_code", r.get("error_code"));
            m.put("created_at", Instant.ofEpochMilli(((Number) r.get("created_at")).longValue()).toString());
            m.put("replay_count", r.get("replay_count") == null ? 0 : r.get("replay_count"));
            Map<String, Object> msg = listed(String.valueOf(r.get("payload")), r.get("id"));
            msg.computeIfPresent("payload", (k, v) -> v instanceof String s ? readAny(s) : v);
            m.put("message", msg);
            out.add(m);
        }
        return Map.of("dead_letters", out, "count", out.size());
    }

    /** A dead letter turned back into a message row for its recipient's queue (a new message id). */
    public Map<String, Object> replayRow(Map<String, Object> deadLetter) {
        Map<String, Object> dl = ProtocolRegistry.lowerKeys(deadLetter);
        Map<String, Object> row;
        try {
            row = mapper.readValue(String.valueOf(dl.get("payload")), MAP);
        } catch (Exception e) {
            String ref = faults.record(Faults.Kind.UNREADABLE_STORED_VALUE, "dead letter " + dl.get("id"), e);
            throw new ToolException(ErrorCode.INTERNAL_ERROR, "Dead letter " + dl.get("id")
                    + " cannot be replayed: its stored message is unreadable (reference " + ref + ")",
                    List.of("Replay the other dead letters by id", "Report the reference to the operator"));
        }
        row.put("dead_letter_id", dl.get("id"));
        // Rows dead-lettered by the ttl sweep carry no idempotency key; the enqueue names every column.
        row.putIfAbsent("idempotency_key", null);
        row.put("queue_limit", router.queueLimit());
        row.put("expires_at", null);
        row.put("created_at", System.currentTimeMillis());
        return row;
    }

    /**
     * @param requested the ids asked for: one not found (already replayed, unknown, or another
     *                  client's) is reported under not_found rather than silently left out
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> replayed(List<Map<String, Object>> outcomes, List<String> requested) {
        List<String> replayed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Map<String, Object> o : outcomes) {
            (Boolean.TRUE.equals(o.get("replayed")) ? replayed : failed).add(String.valueOf(o.get("dead_letter_id")));
        }
        List<String> notFound = requested == null ? List.of()
                : requested.stream().filter(id -> !replayed.contains(id) && !failed.contains(id)).toList();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", failed.isEmpty() && notFound.isEmpty());
        result.put("replayed", replayed);
        result.put("failed", failed);
        if (!notFound.isEmpty()) {
            result.put("not_found", notFound);
        }
        return result;
    }

    /** A dead letter's stored message for the listing; an unreadable one says so, with the log's reference. */
    private Map<String, Object> listed(String json, Object deadLetterId) {
        try {
            return mapper.readValue(json, MAP);
        } catch (Exception e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("unreadable", true);
            m.put("reference", faults.record(Faults.Kind.UNREADABLE_STORED_VALUE, "dead letter " + deadLetterId, e));
            return m;
        }
    }

    private Object readAny(String json) {
        try {
            return mapper.readValue(json, Object.class);
        } catch (Exception e) {
            return json;
        }
    }
}
