package io.switchboard.broker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import io.switchboard.mcp.Notifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.semver4j.Semver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's message path, step by step as the routes in broker.camel.yaml call it: a send is
 * checked (sender, recipient, protocol, payload, version), stored, acknowledged, then handed to
 * the delivery queue; a recipient online gets notifications at once, one offline finds the
 * message in its queue when it comes back. Nothing here talks to the database: the routes do.
 */
public final class MessageRouter {

    private static final Logger LOG = LoggerFactory.getLogger(MessageRouter.class);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    public static final String RECIPIENT = "brokerRecipient";
    public static final String INBOX_URI = "broker://sessions/%s/inbox";

    private final CamelContext camel;
    private final ProducerTemplate template;
    private final ObjectMapper mapper;
    private final ProtocolRegistry protocols;
    private final SessionRegistry sessions;
    private final Notifier notifier;
    private final int queueLimit;
    private final Supplier<MeterRegistry> metrics;
    private volatile io.micrometer.core.instrument.Timer deliveryLatency;

    public MessageRouter(CamelContext camel, ObjectMapper mapper, ProtocolRegistry protocols, SessionRegistry sessions,
                         Notifier notifier, int queueLimit, Supplier<MeterRegistry> metrics) {
        this.camel = camel;
        this.template = camel.createProducerTemplate();
        this.mapper = mapper;
        this.protocols = protocols;
        this.sessions = sessions;
        this.notifier = notifier;
        this.queueLimit = queueLimit;
        this.metrics = metrics;
    }

    /** The clock the routes use for ttl expiry, in epoch milliseconds. */
    public long now() {
        return System.currentTimeMillis();
    }

    public int queueLimit() {
        return queueLimit;
    }

    // ------------------------------------------------------------------ send

    /** broker_send_message, before storing: answers the broker_messages row as the new body. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> prepareSend(Exchange ex) {
        Map<String, Object> args = ex.getMessage().getBody(Map.class);
        BrokerSession sender = sessions.caller(ex.getMessage().getHeader("McpSessionId", String.class), ex.getMessage().getBody(Map.class),
                ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        BrokerSession recipient = sessions.require(ProtocolRegistry.string(args.get("recipient_id")));
        Protocol protocol = protocols.require(ProtocolRegistry.string(args.get("protocol_name")),
                ProtocolRegistry.string(args.get("protocol_version")));
        if (!protocol.capabilities().contains("point_to_point") && !protocol.capabilities().contains("request_response")) {
            throw ToolException.validation("Protocol " + protocol.name() + " does not allow point-to-point messages",
                    "Use broker_broadcast_message");
        }
        Object payload = args.get("payload");
        protocols.validatePayload(protocol, payload);
        Adapted adapted = adaptFor(recipient, protocol, payload);
        String key = ProtocolRegistry.string(args.get("idempotency_key"));
        String messageId = key == null ? UUID.randomUUID().toString()
                : UUID.nameUUIDFromBytes((sender.id() + "\u0000" + recipient.id() + "\u0000" + key).getBytes(StandardCharsets.UTF_8)).toString();
        ex.setProperty(RECIPIENT, recipient);
        ex.getMessage().setHeader("BrokerIdempotencyKey", key == null ? null : sender.id() + ":" + key);
        return row(messageId, sender, recipient, adapted, Priority.parse(args.get("priority")), ttl(args.get("ttl_seconds")), key);
    }

    /**
     * After the row is stored: the acknowledgement (property {@code brokerResult}) and whether the
     * recipient is online to be notified now (property {@code brokerDeliver}). The body stays the row.
     */
    @SuppressWarnings("unchecked")
    public void sent(Exchange ex) {
        Map<String, Object> row = ex.getMessage().getBody(Map.class);
        count("broker.messages.accepted");
        BrokerSession recipient = ex.getProperty(RECIPIENT, BrokerSession.class);
        boolean online = sessions.online(recipient);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("message_id", row.get("message_id"));
        if (online) {
            result.put("delivered_at", Instant.now().toString());
        }
        result.put("queued", !online);
        ex.setProperty("brokerResult", result);
        ex.setProperty("brokerDeliver", online);
    }

    /** For a recipient offline: how deep its queue now is (and a warning at 90 %). */
    @SuppressWarnings("unchecked")
    public void queued(Exchange ex, Number depth) {
        Map<String, Object> result = ex.getProperty("brokerResult", Map.class);
        result.put("queue_size", depth == null ? 0 : depth.longValue());
        checkDepth(String.valueOf(ex.getProperty(RECIPIENT, BrokerSession.class).id()), depth);
    }

    /** Ends a send whose recipient's queue was full (its dead letter is stored by then). */
    public void failQueueFull(Map<String, Object> row) {
        throw queueFull(String.valueOf(row.get("recipient_id")));
    }

    /** The answer to a send repeated with an idempotency key that was already accepted. */
    public Map<String, Object> duplicate(Exchange ex) {
        Map<String, Object> row = ex.getMessage().getBody(Map.class);
        count("broker.messages.duplicates");
        return Map.of("success", true, "message_id", row.get("message_id"), "duplicate", true);
    }

    public ToolException queueFull(String recipientId) {
        count("broker.messages.dead_lettered");
        return new ToolException(ErrorCode.QUEUE_FULL, "The recipient's queue is full (" + queueLimit + " messages)",
                List.of("The message was moved to the dead-letter queue; replay it with broker_dead_letters once the recipient drains its queue"),
                Map.of("recipient_id", recipientId, "reason", "queue_full"));
    }

    /** A dead_letters row for a message that could not be queued or expired. */
    public Map<String, Object> deadLetter(Map<String, Object> messageRow, String reason, String code) {
        Map<String, Object> dl = new LinkedHashMap<>();
        dl.put("id", UUID.randomUUID().toString());
        dl.put("system", "broker");
        dl.put("reason", reason);
        dl.put("error_code", code);
        dl.put("payload", write(ProtocolRegistry.lowerKeys(messageRow)));
        dl.put("headers", null);
        // Whose it is: the dead-letter listing shows a client only those of its own sessions.
        Map<String, Object> message = ProtocolRegistry.lowerKeys(messageRow);
        dl.put("recipient_id", message.get("recipient_id"));
        dl.put("sender_id", message.get("sender_id"));
        dl.put("created_at", System.currentTimeMillis());
        return dl;
    }

    /** Queue depth after a message was queued for an offline recipient: warn at 90 %. */
    public void checkDepth(String recipientId, Number depth) {
        long d = depth == null ? 0 : depth.longValue();
        if (d >= Math.ceil(queueLimit * 0.9)) {
            count("broker.queue.warnings");
            LOG.warn("Broker queue of session {} is at {} of {} messages", recipientId, d, queueLimit);
        }
    }

    // ------------------------------------------------------------------ delivery

    /** What the doorbell carries for a stored message: ids only, "recipient message". */
    public String doorbell(Map<String, Object> row) {
        return row.get("recipient_id") + " " + row.get("message_id");
    }

    /**
     * A ring heard (from this instance or another): the message to deliver when this process
     * holds its recipient's connection, else null (the instance that holds it heard it too).
     */
    public Map<String, Object> heard(String ring) {
        int space = ring == null ? -1 : ring.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String recipient = ring.substring(0, space);
        return sessions.holds(recipient) ? Map.of("recipient_id", recipient, "message_id", ring.substring(space + 1)) : null;
    }

    /** The ids of a batch of rings heard, for one read of their rows. */
    public Map<String, Object> deliveryQuery(List<Map<String, Object>> rings) {
        return Map.of("message_ids", rings.stream().map(r -> String.valueOf(r.get("message_id"))).distinct().toList());
    }

    /** After a (re)connection of the doorbell: the messages of the sessions held here that may have rung unheard. */
    public Map<String, Object> catchUpQuery(Long since) {
        return Map.of("recipients", sessions.held(), "since", since == null ? 0L : since);
    }

    /**
     * Notifications to a recipient reachable from this process: on its MCP connection here, or to
     * the listeners of its inbox (a handle-only session of MCP 2026-07-28). Answers whether any went out.
     */
    @SuppressWarnings("unchecked")
    public boolean deliver(Map<String, Object> row) {
        String recipientId = String.valueOf(row.get("recipient_id"));
        String mcp = sessions.connectionOf(recipientId);
        String inbox = String.format(INBOX_URI, recipientId);
        if (mcp != null) {
            Map<String, Object> message = describe(row);
            notifier.toSession(mcp, "notifications/message",
                    Map.of("level", "info", "logger", "broker", "data", Map.of("type", "broker_message", "message", message)));
            notifier.toSession(mcp, "notifications/resources/updated", Map.of("uri", inbox));
        } else if (notifier.isListening(inbox)) {
            // A handle-only session (MCP 2026-07-28): its listeners hear the inbox changed and read it.
            notifier.resourceUpdated(inbox);
        } else {
            return false;
        }
        long created = ((Number) row.get("created_at")).longValue();
        row.put("delivered_at", System.currentTimeMillis());
        MeterRegistry registry = metrics.get();
        if (registry != null) {
            deliveryLatency(registry).record(Math.max(0, System.currentTimeMillis() - created), TimeUnit.MILLISECONDS);
        }
        count("broker.messages.delivered");
        return true;
    }

    /** Everything still waiting for a session that just came back: its queue, in order. */
    public List<Map<String, Object>> backlogDelivered(List<Map<String, Object>> rows) {
        List<Map<String, Object>> delivered = new ArrayList<>();
        for (Map<String, Object> raw : rows) {
            Map<String, Object> row = ProtocolRegistry.lowerKeys(raw);
            if (deliver(row)) {
                delivered.add(row);
            }
        }
        return delivered;
    }

    // ------------------------------------------------------------------ pull

    public Map<String, Object> receiveQuery(Exchange ex) {
        Map<?, ?> args = ex.getMessage().getBody(Map.class);
        BrokerSession caller = sessions.caller(ex.getMessage().getHeader("McpSessionId", String.class), ex.getMessage().getBody(Map.class),
                ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        int limit = args.get("limit") == null ? 10 : ((Number) args.get("limit")).intValue();
        if (limit < 1 || limit > 100) {
            throw ToolException.validation("limit must be between 1 and 100");
        }
        return Map.of("recipient_id", caller.id(), "limit", limit, "now", System.currentTimeMillis());
    }

    /** The tool's answer; the ids handed over go to headers message_ids/now for the delivered_at update. */
    public Map<String, Object> received(Exchange ex, List<Map<String, Object>> rows) {
        List<Map<String, Object>> messages = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> raw : rows) {
            Map<String, Object> row = ProtocolRegistry.lowerKeys(raw);
            messages.add(describe(row));
            ids.add(String.valueOf(row.get("message_id")));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("messages", messages);
        result.put("count", messages.size());
        ex.getMessage().setHeader("message_ids", ids);
        ex.getMessage().setHeader("now", System.currentTimeMillis());
        return result;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> ackQuery(Exchange ex) {
        Map<String, Object> args = ex.getMessage().getBody(Map.class);
        BrokerSession caller = sessions.caller(ex.getMessage().getHeader("McpSessionId", String.class), ex.getMessage().getBody(Map.class),
                ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        Object ids = args.get("message_ids");
        if (!(ids instanceof List<?> list) || list.isEmpty()) {
            throw ToolException.validation("message_ids must be a non-empty list");
        }
        return Map.of("recipient_id", caller.id(), "message_ids", list.stream().map(String::valueOf).toList());
    }

    // ------------------------------------------------------------------ broadcast

    /** broker_broadcast_message: one row per recipient, and who is skipped and why. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> planBroadcast(Exchange ex) {
        Map<String, Object> args = ex.getMessage().getBody(Map.class);
        BrokerSession sender = sessions.caller(ex.getMessage().getHeader("McpSessionId", String.class), ex.getMessage().getBody(Map.class),
                ex.getMessage().getHeader(SessionRegistry.CLIENT_HEADER, String.class));
        Protocol protocol = protocols.require(ProtocolRegistry.string(args.get("protocol_name")),
                ProtocolRegistry.string(args.get("protocol_version")));
        if (!protocol.capabilities().contains("broadcast")) {
            throw ToolException.validation("Protocol " + protocol.name() + " does not allow broadcast",
                    "Register a version with the broadcast capability");
        }
        Object payload = args.get("payload");
        protocols.validatePayload(protocol, payload);
        List<String> requiredFeatures = features(args.get("capability_filter"));
        Priority priority = Priority.parse(args.get("priority"));
        Long ttl = ttl(args.get("ttl_seconds"));
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Map<String, Object>> skipped = new ArrayList<>();
        for (BrokerSession s : sessions.all()) {
            if (s.id().equals(sender.id())) {
                continue;
            }
            if (s.status() == BrokerSession.Status.DISCONNECTED) {
                skipped.add(Map.of("session_id", s.id(), "reason", "disconnected"));
            } else if (!s.capabilities().supportedFeatures().containsAll(requiredFeatures)) {
                skipped.add(Map.of("session_id", s.id(), "reason", "capability_filter"));
            } else {
                try {
                    Adapted adapted = adaptFor(s, protocol, payload);
                    rows.add(row(UUID.randomUUID().toString(), sender, s, adapted, priority, ttl, null));
                } catch (ToolException e) {
                    skipped.add(Map.of("session_id", s.id(), "reason", "incompatible"));
                }
            }
        }
        ex.setProperty("brokerSkipped", skipped);
        return Map.of("rows", rows);
    }

    /** Each recipient's outcome, after its conditional insert. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> broadcastOutcome(Exchange ex) {
        Map<String, Object> row = ex.getMessage().getBody(Map.class);
        int inserted = ex.getMessage().getHeader("CamelSqlUpdateCount", 0, Integer.class);
        BrokerSession s = sessions.find(String.valueOf(row.get("recipient_id")));
        String outcome = inserted == 0 ? "failed" : s != null && sessions.online(s) ? "delivered" : "queued";
        if (inserted == 1) {
            count("broker.messages.accepted");
        }
        return Map.of("outcome", outcome, "row", row);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> broadcastResult(Exchange ex) {
        List<Map<String, Object>> outcomes = ex.getMessage().getBody(List.class);
        List<Map<String, Object>> skipped = ex.getProperty("brokerSkipped", List.class);
        Map<String, List<String>> recipients = new LinkedHashMap<>();
        for (String k : List.of("delivered", "queued", "failed")) {
            recipients.put(k, new ArrayList<>());
        }
        if (outcomes != null) {
            for (Map<String, Object> o : outcomes) {
                recipients.get(String.valueOf(o.get("outcome"))).add(String.valueOf(((Map<String, Object>) o.get("row")).get("recipient_id")));
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("success", true);
        r.put("delivery_count", recipients.get("delivered").size() + recipients.get("queued").size());
        Map<String, Object> rec = new LinkedHashMap<>(recipients);
        rec.put("skipped", skipped == null ? List.of() : skipped.stream().map(m -> m.get("session_id")).toList());
        r.put("recipients", rec);
        r.put("counts", Map.of("delivered", recipients.get("delivered").size(), "queued", recipients.get("queued").size(),
                "failed", recipients.get("failed").size(), "skipped", skipped == null ? 0 : skipped.size()));
        return r;
    }

    // ------------------------------------------------------------------ helpers

    private record Adapted(String protocol, String version, Object payload) {
    }

    /**
     * The version and payload the recipient can read: as sent when it speaks that version (or
     * declared nothing), otherwise through an adapter route to the highest version it speaks.
     */
    private Adapted adaptFor(BrokerSession recipient, Protocol protocol, Object payload) {
        Map<String, List<String>> supported = recipient.capabilities().supportedProtocols();
        String version = protocol.version().getVersion();
        if (supported.isEmpty() || supported.getOrDefault(protocol.name(), List.of()).contains(version)) {
            return new Adapted(protocol.name(), version, payload);
        }
        List<String> theirs = supported.getOrDefault(protocol.name(), List.of()).stream().filter(Semver::isValid)
                .sorted(Comparator.comparing(Semver::new).reversed()).toList();
        for (String to : theirs) {
            String uri = adapterUri(protocol.name(), version, to);
            if (hasRoute(uri)) {
                Object adapted = template.requestBody(uri, write(payload));
                Object value = adapted instanceof String s ? read(s) : adapted;
                Protocol target = protocols.findStored(protocol.name(), to);
                if (target != null) {
                    protocols.validatePayload(target, value);
                }
                count("broker.messages.adapted");
                return new Adapted(protocol.name(), to, value);
            }
        }
        throw new ToolException(ErrorCode.VALIDATION_ERROR,
                "Recipient " + recipient.id() + " does not speak " + protocol.name() + " " + version,
                List.of(theirs.isEmpty() ? "The recipient supports no version of " + protocol.name()
                        : "Send version " + theirs.get(0) + ", or add an adapter route " + adapterUri(protocol.name(), version, theirs.get(0))),
                Map.of("reason", "incompatible_protocol", "recipient_versions", theirs));
    }

    public boolean adapterExists(String protocol, String from, String to) {
        return hasRoute(adapterUri(protocol, from, to));
    }

    static String adapterUri(String protocol, String from, String to) {
        return "direct:adapt-" + protocol + "-" + from + "-" + to;
    }

    private boolean hasRoute(String uri) {
        String normalized = uri.replace("direct:", "direct://");
        return camel.getRoutes().stream().anyMatch(r -> r.getEndpoint().getEndpointUri().equals(normalized));
    }

    private Map<String, Object> row(String messageId, BrokerSession sender, BrokerSession recipient, Adapted adapted,
                                    Priority priority, Long ttlMillis, String key) {
        long now = System.currentTimeMillis();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("message_id", messageId);
        row.put("recipient_id", recipient.id());
        row.put("sender_id", sender.id());
        row.put("protocol_name", adapted.protocol());
        row.put("protocol_version", adapted.version());
        row.put("priority", priority.rank());
        // The database orders the queue (a sequence, V6_14): one order for every instance.
        row.put("seq", 0);
        row.put("payload", write(adapted.payload()));
        row.put("created_at", now);
        row.put("expires_at", ttlMillis == null ? null : now + ttlMillis);
        row.put("idempotency_key", key);
        row.put("queue_limit", queueLimit);
        return row;
    }

    private Map<String, Object> describe(Map<String, Object> row) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message_id", row.get("message_id"));
        m.put("sender_id", row.get("sender_id"));
        m.put("protocol_name", row.get("protocol_name"));
        m.put("protocol_version", row.get("protocol_version"));
        m.put("priority", Priority.ofRank(((Number) row.get("priority")).intValue()).label());
        m.put("payload", read(String.valueOf(row.get("payload"))));
        m.put("created_at", Instant.ofEpochMilli(((Number) row.get("created_at")).longValue()).toString());
        if (row.get("expires_at") != null) {
            m.put("expires_at", Instant.ofEpochMilli(((Number) row.get("expires_at")).longValue()).toString());
        }
        return m;
    }

    private static Long ttl(Object ttlSeconds) {
        if (ttlSeconds == null) {
            return null;
        }
        long s = ((Number) ttlSeconds).longValue();
        if (s < 1 || s > Duration.ofDays(7).toSeconds()) {
            throw ToolException.validation("ttl_seconds must be between 1 and 604800");
        }
        return s * 1000;
    }

    @SuppressWarnings("unchecked")
    private static List<String> features(Object filter) {
        if (filter == null) {
            return List.of();
        }
        if (filter instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        if (filter instanceof Map<?, ?> m) {
            Object f = m.get("supported_features") != null ? m.get("supported_features") : m.get("features");
            return f instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
        }
        throw ToolException.validation("capability_filter must list required features");
    }

    private Object read(String json) {
        try {
            return mapper.readValue(json, Object.class);
        } catch (Exception e) {
            return json;
        }
    }

    private String write(Object v) {
        try {
            return mapper.writeValueAsString(v);
        } catch (Exception e) {
            throw ToolException.validation("payload is not serialisable as JSON");
        }
    }

    private void count(String name) {
        MeterRegistry r = metrics.get();
        if (r != null) {
            r.counter(name).increment();
        }
    }

    /** Built once: delivery is the broker's hot path. */
    private io.micrometer.core.instrument.Timer deliveryLatency(MeterRegistry registry) {
        io.micrometer.core.instrument.Timer t = deliveryLatency;
        if (t == null) {
            t = deliveryLatency = io.micrometer.core.instrument.Timer.builder("broker.delivery.latency")
                    .description("From a send to the recipient's notification").publishPercentileHistogram()
                    .register(registry);
        }
        return t;
    }
}
