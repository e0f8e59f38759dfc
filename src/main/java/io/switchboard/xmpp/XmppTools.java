package io.switchboard.xmpp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.switchboard.cluster.Leadership;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.Sanitizer;
import io.switchboard.guard.ToolException;
import io.switchboard.observe.Faults;
import io.switchboard.mcp.Notifier;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smackx.sid.element.OriginIdElement;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's rules, called from routes/xmpp.camel.yaml: validating what the AI sends, normalising
 * what arrives (seed: "extract message content, normalize format"), turning it into MCP
 * notifications, and shaping tool results. The link does the talking to the server.
 */
public final class XmppTools {

    private static final Logger LOG = LoggerFactory.getLogger(XmppTools.class);
    public static final String INBOX_URI = "xmpp://inbox";
    public static final String PRESENCE_URI = "xmpp://presence/";
    /** local@domain[/resource]: one '@' before the domain, no spaces (jxmpp alone accepts "a@b@c"). */
    private static final java.util.regex.Pattern JID_SHAPE = java.util.regex.Pattern.compile("^[^@/\\s]+@[^@/\\s]+(/\\S.*)?$");

    private final XmppSettings settings;
    private final XmppLink link;
    private final InboundGate gate;
    private final Notifier notifier;
    private final ObjectMapper mapper;
    private final Supplier<Integer> outboundDepth;
    private final AtomicLong lastSeq = new AtomicLong();
    private final Supplier<MeterRegistry> metrics;
    private volatile Timer latency;

    private final Faults faults;
    private final Leadership leadership;

    public XmppTools(XmppSettings settings, XmppLink link, InboundGate gate, Notifier notifier, ObjectMapper mapper,
                     Supplier<Integer> outboundDepth, Supplier<MeterRegistry> metrics, Leadership leadership) {
        this.leadership = leadership;
        this.metrics = metrics;
        this.faults = new Faults(metrics);
        this.settings = settings;
        this.link = link;
        this.gate = gate;
        this.notifier = notifier;
        this.mapper = mapper;
        this.outboundDepth = outboundDepth;
    }

    // ------------------------------------------------------------------ outbound

    /** The outbox row for send_message: validated, with its message_id, before anything is sent. */
    public Map<String, Object> prepareSend(Map<String, Object> args) {
        requireConfigured();
        String type = string(args, "type", "chat").toLowerCase(Locale.ROOT);
        if (!List.of("chat", "normal", "groupchat").contains(type)) {
            throw ToolException.validation("type must be chat, normal or groupchat", "Use chat for a person, groupchat for a room");
        }
        String recipient = jid(string(args, "recipient", null), "recipient");
        if ("groupchat".equals(type)) {
            requireJoined(recipient);
        }
        return outboxRow(recipient, type, body(args, "message"));
    }

    /** The outbox row for send_room_message. */
    public Map<String, Object> prepareRoomSend(Map<String, Object> args) {
        requireConfigured();
        String room = jid(string(args, "room", null), "room");
        requireJoined(room);
        return outboxRow(room, "groupchat", body(args, "message"));
    }

    private Map<String, Object> outboxRow(String recipient, String kind, String body) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("seq", nextSeq());
        row.put("message_id", UUID.randomUUID().toString());
        row.put("recipient", recipient);
        row.put("kind", kind);
        row.put("body", body);
        row.put("status", "queued");
        row.put("created_at", System.currentTimeMillis());
        return row;
    }

    /** What the AI is told once the message is stored: it will go out in order, now or after an outage. */
    public Map<String, Object> accepted(Map<String, Object> row) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("message_id", row.get("message_id"));
        r.put("recipient", row.get("recipient"));
        r.put("status", "queued");
        r.put("connection_state", link.state().name().toLowerCase(Locale.ROOT));
        return r;
    }

    /** The leader holds the session: a send accepted here goes to its queue now; elsewhere the leader picks the row up. */
    public boolean holdsSession() {
        return leadership.leader();
    }

    /** Several instances share the outbox: the leader looks for sends other instances stored. */
    public boolean outboxShared() {
        return settings.configured() && leadership.shared() && leadership.leader();
    }

    /** Called by the outbound route inside its circuit breaker. */
    public Map<String, Object> send(Map<String, Object> row) throws Exception {
        link.send((String) row.get("message_id"), (String) row.get("recipient"), (String) row.get("kind"), (String) row.get("body"));
        Map<String, Object> sent = new LinkedHashMap<>(row);
        sent.put("sent_at", System.currentTimeMillis());
        return sent;
    }

    // ------------------------------------------------------------------ inbound

    /**
     * Boundary 1 → 2: a stanza out of the priority queue becomes the inbox's row (or a presence
     * event); null for what is not news for the AI (our own group chat echo).
     */
    public Map<String, Object> normalise(Exchange exchange) {
        Stanza stanza = exchange.getMessage().getBody(Stanza.class);
        Priority priority = InboundGate.priorityOf(exchange);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("priority", priority.label());
        row.put("enqueued_nanos", exchange.getMessage().getHeader(InboundGate.ENQUEUED_NANOS));
        if (stanza instanceof Presence p) {
            row.put("kind", "presence");
            row.putAll(XmppLink.describe(p.getFrom(), p));
            return row;
        }
        Message m = (Message) stanza;
        Jid from = m.getFrom();
        String room = null;
        String sender = from.asBareJid().toString();
        if (m.getType() == Message.Type.groupchat) {
            room = sender;
            String nick = from.getResourceOrEmpty().toString();
            if (nick.equals(link.nicknameIn(room))) {
                return null;
            }
            sender = room + "/" + nick;
        }
        String id = OriginIdElement.hasOriginId(m) ? OriginIdElement.getOriginId(m).getId() : m.getStanzaId();
        row.put("kind", m.getType().name());
        row.put("seq", nextSeq());
        row.put("message_id", id == null || id.isBlank() ? UUID.randomUUID().toString() : id);
        row.put("sender", sender);
        row.put("sender_full", from.toString());
        row.put("room", room);
        row.put("body", m.getBody());
        row.put("received_at", System.currentTimeMillis());
        return row;
    }

    /**
     * The stanza seda handed over plus whatever else is waiting (up to {@code max}), normalised, in
     * priority order: {messages: rows for the inbox, events: everything to notify}.
     */
    public Map<String, Object> normaliseBatch(Exchange first, int max) {
        List<Exchange> batch = new ArrayList<>();
        batch.add(first);
        batch.addAll(gate.drain(max - 1));
        List<Map<String, Object>> messages = new ArrayList<>();
        List<Map<String, Object>> events = new ArrayList<>();
        for (Exchange e : batch) {
            Map<String, Object> row = normalise(e);
            if (row != null) {
                events.add(row);
                if (!"presence".equals(row.get("kind"))) {
                    messages.add(row);
                }
            }
        }
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("messages", messages);
        b.put("events", events);
        return b;
    }

    /** Boundary 2 → the AI, for a batch: each event notified in order. */
    @SuppressWarnings("unchecked")
    public void notifyEvents(List<Map<String, Object>> events) {
        boolean inbox = false;
        for (Map<String, Object> row : events) {
            if ("presence".equals(row.get("kind"))) {
                notifyPresence(row);
            } else {
                inbox = true;
                notifyMessage(row, false);
            }
        }
        if (inbox) {
            notifier.resourceUpdated(INBOX_URI);
        }
    }

    /** Boundary 2 → the AI: the inbox changed, and here is the message as a log notification. */
    public void notifyMessage(Map<String, Object> row) {
        notifyMessage(row, true);
    }

    private void notifyMessage(Map<String, Object> row, boolean inboxUpdated) {
        if (inboxUpdated) {
            notifier.resourceUpdated(INBOX_URI);
        }
        observeLatency(row);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", "xmpp_message");
        event.put("message_id", row.get("message_id"));
        event.put("from", row.get("sender"));
        if (row.get("room") != null) {
            event.put("room", row.get("room"));
        }
        event.put("type", row.get("kind"));
        event.put("body", row.get("body"));
        event.put("received_at", Instant.ofEpochMilli(((Number) row.get("received_at")).longValue()).toString());
        notifier.log(McpSchema.LoggingLevel.INFO, "xmpp", json(event));
    }

    /** The seed's "user_online": the presence resource of that JID changed. */
    public void notifyPresence(Map<String, Object> row) {
        notifier.resourceUpdated(PRESENCE_URI + row.get("jid"));
        observeLatency(row);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", "xmpp_presence");
        event.put("jid", row.get("jid"));
        event.put("available", row.get("available"));
        event.put("show", row.get("show"));
        event.put("status", row.get("status"));
        notifier.log(McpSchema.LoggingLevel.INFO, "xmpp", json(event));
    }

    /** Stanza parsed → notifications handed to the sessions: what the bridge adds to a message's way. */
    private void observeLatency(Map<String, Object> row) {
        if (row.get("enqueued_nanos") instanceof Long start) {
            if (latency == null && metrics.get() != null) {
                latency = Timer.builder("switchboard.xmpp.inbound.latency")
                        .description("From the parsed stanza to the MCP notifications")
                        .publishPercentiles(0.5, 0.99)
                        // Percentiles of the last ~15 s: what an operator watching a dashboard wants.
                        .distributionStatisticExpiry(java.time.Duration.ofSeconds(15))
                        .register(metrics.get());
            }
            if (latency != null) {
                latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }
    }

    // ------------------------------------------------------------------ read_messages

    /** SQL parameters for the inbox query. */
    public Map<String, Object> readQuery(Map<String, Object> args) {
        Map<String, Object> q = new LinkedHashMap<>();
        Object from = args.get("from");
        q.put("from_jid", from == null || from.toString().isBlank() ? "" : jid(from.toString(), "from"));
        q.put("since", since(args.get("since")));
        Object limit = args.get("limit");
        int n = limit == null ? 50 : ((Number) limit).intValue();
        if (n < 1 || n > 500) {
            throw ToolException.validation("limit must be between 1 and 500");
        }
        q.put("limit", n);
        q.put("unread_only", Boolean.TRUE.equals(args.get("unread_only")) ? 1 : 0);
        return q;
    }

    /** The rows (newest first from SQL) as the AI reads them: oldest first. */
    public Map<String, Object> readResult(List<Map<String, Object>> rows) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = rows.size() - 1; i >= 0; i--) {
            Map<String, Object> r = lower(rows.get(i));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("message_id", r.get("message_id"));
            m.put("from", r.get("sender"));
            m.put("from_full", r.get("sender_full"));
            if (r.get("room") != null) {
                m.put("room", r.get("room"));
            }
            m.put("type", r.get("kind"));
            m.put("priority", r.get("priority"));
            m.put("body", r.get("body"));
            m.put("received_at", Instant.ofEpochMilli(((Number) r.get("received_at")).longValue()).toString());
            m.put("was_read", r.get("read_at") != null);
            messages.add(m);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("messages", messages);
        result.put("count", messages.size());
        return result;
    }

    public List<Long> seqs(List<Map<String, Object>> rows) {
        return rows.stream().map(r -> ((Number) lower(r).get("seq")).longValue()).toList();
    }

    // ------------------------------------------------------------------ presence, contacts, rooms, ping

    public Map<String, Object> setPresence(Map<String, Object> args) throws Exception {
        requireConfigured();
        String show = string(args, "show", "available");
        if (!List.of("available", "away", "dnd", "xa", "chat").contains(show)) {
            throw ToolException.validation("show must be available, away, dnd or xa");
        }
        String status = XmlText.require(string(args, "status", null), "status");
        connected(() -> {
            link.setPresence(show, status);
            return null;
        });
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("show", show);
        r.put("status", status == null ? "" : status);
        r.put("jid", link.jid());
        return r;
    }

    public Map<String, Object> listContacts() throws Exception {
        requireConfigured();
        List<Map<String, Object>> contacts = connected(link::contacts);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("contacts", contacts);
        r.put("count", contacts.size());
        return r;
    }

    /** The room row to store once joined. */
    public Map<String, Object> joinRoom(Map<String, Object> args) throws Exception {
        requireConfigured();
        String room = jid(string(args, "room", null), "room");
        String nick = XmlText.require(string(args, "nick", null), "nick");
        if (nick == null || nick.isBlank()) {
            nick = JidCreate.entityBareFrom(link.jid()).getLocalpart().toString();
        }
        String nickname = nick;
        connected(() -> {
            link.join(room, nickname);
            return null;
        });
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("room", room);
        r.put("nickname", nickname);
        r.put("nick", nickname);
        r.put("joined", true);
        r.put("joined_at", System.currentTimeMillis());
        return r;
    }

    public Map<String, Object> leaveRoom(Map<String, Object> args) throws Exception {
        requireConfigured();
        String room = jid(string(args, "room", null), "room");
        requireJoined(room);
        connected(() -> {
            link.leave(room);
            return null;
        });
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("room", room);
        r.put("left", true);
        return r;
    }

    public Map<String, Object> presenceResource(String jid) throws Exception {
        requireConfigured();
        return link.presenceOf(jid(jid, "jid"));
    }

    public Map<String, Object> ping() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("configured", settings.configured());
        r.put("connection_state", settings.configured() ? link.state().name().toLowerCase(Locale.ROOT) : "disconnected");
        // The link's detail may quote a driver's exception text: never hand a client an address or a path.
        r.put("detail", settings.configured() ? Sanitizer.clean(link.detail())
                : "XMPP is not configured: set SWITCHBOARD_XMPP_JID and SWITCHBOARD_XMPP_PASSWORD");
        r.put("server", settings.configured() ? link.server() : null);
        r.put("jid", settings.jid());
        Map<String, Object> queues = new LinkedHashMap<>();
        queues.put("inbound", gate.depth());
        queues.put("inbound_capacity", settings.inboundQueueSize());
        queues.put("inbound_load", Math.round(gate.load() * 1000) / 1000.0);
        queues.put("outbound", outboundDepth.get());
        r.put("queue_depths", queues);
        r.put("inbound_breaker", gate.breakerState());
        r.put("inbound_dropped", gate.drops());
        if (leadership.shared()) {
            // Several instances: one (the elected leader) holds the session; the others say who.
            r.put("member", leadership.memberId());
            r.put("leader", leadership.leaderId().orElse(null));
        }
        return r;
    }

    // ------------------------------------------------------------------ small shapes for the routes

    public void queueFull() {
        throw new ToolException(ErrorCode.QUEUE_FULL, "The outbound XMPP queue is full; the message was not accepted",
                List.of("Wait for the bridge to reconnect (see ping) and send again"));
    }

    /** An outbox row read back for replay, keys as the outbound route expects them. */
    public Map<String, Object> replayRow(Map<String, Object> row) {
        return lower(row);
    }

    public Map<String, Object> markRead(List<Map<String, Object>> rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seqs", seqs(rows));
        m.put("now", System.currentTimeMillis());
        return m;
    }

    public Map<String, Object> joined(Map<String, Object> room) {
        Map<String, Object> r = new LinkedHashMap<>(room);
        r.put("joined_at", Instant.ofEpochMilli(((Number) room.get("joined_at")).longValue()).toString());
        return r;
    }

    /** xmpp://inbox: the unread messages (newest 50), as JSON. */
    public String inboxResource(List<Map<String, Object>> rows) {
        return json(readResult(rows));
    }

    public String presenceResourceJson(String jid) throws Exception {
        return json(presenceResource(jid));
    }

    // ------------------------------------------------------------------ helpers

    public void requireConfigured() {
        if (!settings.configured()) {
            throw new ToolException(ErrorCode.CONNECTION_ERROR,
                    "XMPP is not configured: nothing was sent",
                    List.of("Set SWITCHBOARD_XMPP_JID and SWITCHBOARD_XMPP_PASSWORD (or SWITCHBOARD_XMPP_PASSWORD_FILE) and restart"));
        }
    }

    private void requireJoined(String room) {
        if (!link.inRoom(room)) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, "Not in room " + room,
                    List.of("Call join_room with this room first"));
        }
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private <T> T connected(Call<T> call) throws Exception {
        try {
            return call.run();
        } catch (XmppLink.NotConnectedException e) {
            throw new ToolException(ErrorCode.CONNECTION_ERROR, e.getMessage(),
                    List.of("The bridge reconnects by itself; try again shortly", "ping shows the connection state"));
        } catch (org.jivesoftware.smack.XMPPException.XMPPErrorException e) {
            throw new ToolException(ErrorCode.CLIENT_ERROR, "The XMPP server refused: " + e.getStanzaError().getCondition(),
                    List.of("Check the room or contact address"));
        } catch (org.jivesoftware.smack.SmackException.NoResponseException e) {
            throw new ToolException(ErrorCode.TIMEOUT_ERROR, "The XMPP server did not answer in time", List.of("Try again"));
        }
    }

    private String body(Map<String, Object> args, String key) {
        String body = string(args, key, null);
        if (body == null || body.isBlank()) {
            throw ToolException.validation(key + " must not be empty");
        }
        if (body.length() > settings.maxBodyChars()) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR,
                    key + " is " + body.length() + " characters; the limit is " + settings.maxBodyChars(),
                    List.of("Split the message into parts of at most " + settings.maxBodyChars() + " characters"));
        }
        return XmlText.require(body, key);
    }

    /** A bare JID (user@domain), or a full one for a chat with one resource; refused clearly otherwise. */
    static String jid(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ToolException.validation(field + " is required: a JID like user@example.org");
        }
        if (!JID_SHAPE.matcher(value.strip()).matches()) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, field + " is not a valid JID: '" + clip(value) + "'",
                    List.of("Use the form user@example.org (or room@conference.example.org)"));
        }
        try {
            Jid jid = JidCreate.from(value.strip());
            EntityBareJid bare = jid.asEntityBareJidIfPossible();
            if (bare == null) {
                throw new XmppStringprepException(value, "not a user or room address");
            }
            return jid.hasResource() ? jid.toString() : bare.toString();
        } catch (XmppStringprepException | IllegalArgumentException e) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, field + " is not a valid JID: '" + clip(value) + "'",
                    List.of("Use the form user@example.org (or room@conference.example.org)"));
        }
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private static long since(Object since) {
        if (since == null || since.toString().isBlank()) {
            return 0L;
        }
        try {
            return Instant.parse(since.toString()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ToolException.validation("since must be an ISO-8601 instant like 2026-01-31T12:00:00Z");
        }
    }

    private static String string(Map<String, Object> args, String key, String fallback) {
        Object v = args == null ? null : args.get(key);
        return v == null ? fallback : v.toString();
    }

    private static Map<String, Object> lower(Map<String, Object> row) {
        Map<String, Object> m = new LinkedHashMap<>();
        row.forEach((k, v) -> m.put(k.toLowerCase(Locale.ROOT), v));
        return m;
    }

    /** Monotonic, time-based: the order of the inbox and outbox, on any database. */
    long nextSeq() {
        long now = System.currentTimeMillis() * 1000;
        return lastSeq.updateAndGet(last -> Math.max(last + 1, now));
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (Exception e) {
            // Never a silent "{}": the client gets the value's text, the operator a counted, logged fault.
            faults.record(Faults.Kind.SERIALISATION_FAILED, "XMPP result", e);
            return String.valueOf(o);
        }
    }
}
