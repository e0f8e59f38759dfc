package io.switchboard.broker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The broker's sessions. The broker_sessions row is the truth, shared by every instance on one
 * database: existence, owner, capabilities, heartbeat and status are read from it on each use, so
 * a session created on one instance is resumed, used and sent to on any other. What stays here is
 * local by nature: which MCP connection of this process carries which broker session.
 */
public final class SessionRegistry {

    /** The header the MCP layer puts the caller's identity in (AccessGuard's client key). */
    public static final String CLIENT_HEADER = "SwitchboardClient";
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final ObjectMapper mapper;
    private final Duration staleAfter;
    private final Duration disconnectedAfter;
    private final Predicate<String> mcpSessionAlive;
    private final Predicate<String> inboxListened;
    private final int maxSessionsPerIdentity;
    private final SessionRows rows;
    private final String instanceId;
    /** A call refreshes the stored heartbeat only when it is older than this: a send need not write twice. */
    private final long touchEvery;
    /** broker session id → the MCP session of this process it is reachable on. */
    private final Map<String, String> bindings = new ConcurrentHashMap<>();
    private final Map<String, String> byMcpSession = new ConcurrentHashMap<>();

    /**
     * @param inboxListened whether a 2026-07-28 client listens for updates of an inbox URI: how a
     *                      session that is a handle only (no MCP session) is reachable
     * @param maxSessionsPerIdentity live (not disconnected) sessions one client identity may hold
     * @param rows the broker_sessions table
     * @param instanceId this process among those sharing the database
     */
    public SessionRegistry(ObjectMapper mapper, Duration staleAfter, Duration disconnectedAfter,
                           Predicate<String> mcpSessionAlive, Predicate<String> inboxListened, int maxSessionsPerIdentity,
                           SessionRows rows, String instanceId) {
        this.maxSessionsPerIdentity = maxSessionsPerIdentity;
        this.mapper = mapper;
        this.staleAfter = staleAfter;
        this.disconnectedAfter = disconnectedAfter;
        this.mcpSessionAlive = mcpSessionAlive;
        this.inboxListened = inboxListened;
        this.rows = rows;
        this.instanceId = instanceId;
        this.touchEvery = Math.max(1, staleAfter.toMillis() / 10);
    }

    /**
     * broker_connect: a new session, or an earlier one resumed; answers the row to upsert.
     *
     * @param identity the caller as the access guard knows it; a new session belongs to it
     */
    public Map<String, Object> connect(Map<String, Object> args, String mcpSessionId, String identity) {
        long now = System.currentTimeMillis();
        String resume = ProtocolRegistry.string(args.get("resume_session_id"));
        BrokerSession.Capabilities caps = args.get("capabilities") == null ? null : capabilities(args.get("capabilities"));
        BrokerSession session;
        if (resume != null) {
            session = find(resume);
            if (session == null) {
                throw notFound(resume);
            }
            authorize(session, identity);
            if (caps != null) {
                session.capabilities(caps);
            }
        } else {
            session = new BrokerSession(UUID.randomUUID().toString(), identity,
                    caps == null ? BrokerSession.Capabilities.NONE : caps, now, now, BrokerSession.Status.ACTIVE);
            // Counted in the table: sessions opened on other instances count too. Two connects racing
            // on two instances may both pass the last place; the limit is a guard against runaway
            // clients, not an exact quota.
            if (identity != null && maxSessionsPerIdentity < Integer.MAX_VALUE && rows.live(identity) >= maxSessionsPerIdentity) {
                throw new ToolException(ErrorCode.RATE_LIMIT_EXCEEDED, "At most " + maxSessionsPerIdentity
                        + " live broker sessions per client (switchboard.broker.max-sessions-per-identity)",
                        List.of("Resume an earlier session with resume_session_id instead of opening a new one",
                                "Sessions without a heartbeat for the disconnect time no longer count"));
            }
        }
        String previous = bindings.remove(session.id());
        if (previous != null) {
            byMcpSession.remove(previous, session.id());
        }
        // MCP 2026-07-28 has no transport session: the broker session id is then the only handle.
        if (mcpSessionId != null) {
            String earlier = byMcpSession.put(mcpSessionId, session.id());
            if (earlier != null && !earlier.equals(session.id())) {
                // It keeps its queue; it is simply no longer reachable on this connection.
                bindings.remove(earlier, mcpSessionId);
            }
            bindings.put(session.id(), mcpSessionId);
        }
        session.bind(mcpSessionId, now);
        session.instanceId(mcpSessionId == null ? null : instanceId);
        return row(session);
    }

    public Map<String, Object> row(BrokerSession s) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("session_id", s.id());
        row.put("capabilities", write(s.capabilities().toMap()));
        row.put("connected_at", s.connectedAt());
        row.put("last_heartbeat", s.lastHeartbeat());
        row.put("status", s.status().name().toLowerCase(Locale.ROOT));
        row.put("owner", s.owner());
        row.put("instance_id", s.instanceId());
        return row;
    }

    /**
     * The broker session making a call: the one named by the tool's {@code session_id} argument
     * (a handle, as MCP 2026-07-28 clients pass it), else the one bound to the caller's MCP session.
     */
    public BrokerSession caller(String mcpSessionId, Map<?, ?> args, String identity) {
        String handle = args == null ? null : ProtocolRegistry.string(args.get("session_id"));
        if (handle == null) {
            return authorize(caller(mcpSessionId), identity);
        }
        BrokerSession s = authorize(require(handle), identity);
        touch(s);
        return s;
    }

    /**
     * SEP-2567's rule for handles: a session created under a token acts only for that token. Checked
     * on every call, so a leaked or listed session id is an address to send to, never a way in.
     */
    public BrokerSession authorize(BrokerSession s, String identity) {
        if (!s.actableBy(identity)) {
            throw new ToolException(ErrorCode.PERMISSION_DENIED, "Broker session " + s.id() + " belongs to another client",
                    List.of("Act only on sessions your own token created (broker_connect opens one)",
                            "Other sessions are recipients: send to them with broker_send_message"));
        }
        return s;
    }

    /** The inbox resource: an unknown id reads as an empty queue, another client's as permission_denied. */
    public String authorizeInbox(String sessionId, String identity) {
        BrokerSession s = find(sessionId);
        if (s != null) {
            authorize(s, identity);
        }
        return sessionId;
    }

    /**
     * The session ids whose dead letters {@code identity} may see and replay; null when every
     * dead letter is visible (no tokens configured: the handles themselves are the capability).
     */
    public List<String> visibleTo(String identity) {
        if (identity == null || !identity.startsWith("token:")) {
            return null;
        }
        return all().stream().filter(s -> identity.equals(s.owner())).map(BrokerSession::id).toList();
    }

    /** The broker session of the MCP connection making a call. */
    BrokerSession caller(String mcpSessionId) {
        String id = mcpSessionId == null ? null : byMcpSession.get(mcpSessionId);
        BrokerSession s = id == null ? null : find(id);
        if (s == null) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, "This connection has no broker session",
                    List.of("Call broker_connect first (with resume_session_id to continue an earlier session)",
                            "Without an MCP session (protocol 2026-07-28) pass the session_id broker_connect returned"));
        }
        touch(s);
        return s;
    }

    /** Any call is a sign of life: an agent busy sending need not heartbeat as well. */
    private void touch(BrokerSession s) {
        long now = System.currentTimeMillis();
        if (now - s.lastHeartbeat() >= touchEvery || s.status() != BrokerSession.Status.ACTIVE) {
            rows.touch(s.id(), now);
        }
        s.heartbeat(now);
    }

    public BrokerSession require(String sessionId) {
        BrokerSession s = find(sessionId);
        if (s == null) {
            throw notFound(sessionId);
        }
        return s;
    }

    /** The session as stored now, with the connection of this process it is reachable on. */
    public BrokerSession find(String sessionId) {
        Map<String, Object> row = sessionId == null ? null : rows.find(sessionId);
        if (row == null) {
            return null;
        }
        return fromRow(row);
    }

    public List<BrokerSession> all() {
        return rows.all().stream().map(this::fromRow).toList();
    }

    public long count() {
        return rows.count();
    }

    /**
     * Reachable right now: bound to an MCP connection of this process that is still open, held by
     * another instance (which is told by the doorbell and pushes), or (a handle-only session,
     * MCP 2026-07-28) its inbox is listened to on a subscriptions/listen stream here.
     */
    public boolean online(BrokerSession s) {
        if (s.status() == BrokerSession.Status.DISCONNECTED) {
            return false;
        }
        String mcp = s.mcpSessionId();
        if (mcp != null) {
            return mcpSessionAlive.test(mcp);
        }
        if (s.instanceId() != null && !s.instanceId().equals(instanceId)) {
            return true;
        }
        return inboxListened.test(String.format(MessageRouter.INBOX_URI, s.id()));
    }

    /** Whether this process holds the connection or listening stream the session is reached on (no database read). */
    public boolean holds(String sessionId) {
        String mcp = bindings.get(sessionId);
        return mcp != null && mcpSessionAlive.test(mcp) || inboxListened.test(String.format(MessageRouter.INBOX_URI, sessionId));
    }

    /** The open MCP connection of this process the session is reachable on, or null. */
    public String connectionOf(String sessionId) {
        String mcp = bindings.get(sessionId);
        return mcp != null && mcpSessionAlive.test(mcp) ? mcp : null;
    }

    /** The sessions bound to open MCP connections of this process (never empty: SQL's IN needs one). */
    public List<String> held() {
        List<String> held = new ArrayList<>();
        bindings.forEach((id, mcp) -> {
            if (mcpSessionAlive.test(mcp)) {
                held.add(id);
            }
        });
        return held.isEmpty() ? List.of("") : held;
    }

    public Map<String, Object> heartbeat(BrokerSession s) {
        s.heartbeat(System.currentTimeMillis());
        return row(s);
    }

    /** The rows of sessions silent for longer than the stale time: those the sweep looks at. */
    public Map<String, Object> sweepQuery() {
        return Map.of("silent_since", System.currentTimeMillis() - staleAfter.toMillis());
    }

    /** Of the stored sessions gone quiet, those whose state changes; answers the rows to update. */
    public List<Map<String, Object>> sweep(List<Map<String, Object>> silent, long now) {
        List<Map<String, Object>> changed = new ArrayList<>();
        for (Map<String, Object> raw : silent) {
            BrokerSession s = fromRow(raw);
            long heard = s.lastHeartbeat();
            long quiet = now - heard;
            BrokerSession.Status next = quiet >= disconnectedAfter.toMillis() ? BrokerSession.Status.DISCONNECTED
                    : quiet >= staleAfter.toMillis() ? BrokerSession.Status.STALE : BrokerSession.Status.ACTIVE;
            if (next.ordinal() > s.status().ordinal()) {
                if (next == BrokerSession.Status.DISCONNECTED) {
                    String mcp = bindings.remove(s.id());
                    if (mcp != null) {
                        byMcpSession.remove(mcp, s.id());
                    }
                }
                Map<String, Object> update = new LinkedHashMap<>();
                update.put("session_id", s.id());
                update.put("status", next.name().toLowerCase(Locale.ROOT));
                // The update applies only if no heartbeat arrived meanwhile (on any instance).
                update.put("last_heartbeat", heard);
                changed.add(update);
            }
        }
        return changed;
    }

    private BrokerSession fromRow(Map<String, Object> raw) {
        Map<String, Object> row = ProtocolRegistry.lowerKeys(raw);
        BrokerSession s = new BrokerSession(String.valueOf(row.get("session_id")),
                row.get("owner") == null ? null : String.valueOf(row.get("owner")),
                capabilities(read(String.valueOf(row.get("capabilities")))),
                ((Number) row.get("connected_at")).longValue(), ((Number) row.get("last_heartbeat")).longValue(),
                BrokerSession.Status.valueOf(String.valueOf(row.get("status")).toUpperCase(Locale.ROOT)));
        s.instanceId(row.get("instance_id") == null ? null : String.valueOf(row.get("instance_id")));
        if (s.status() != BrokerSession.Status.DISCONNECTED) {
            s.reachableOn(bindings.get(s.id()));
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    BrokerSession.Capabilities capabilities(Object raw) {
        Map<String, Object> m = raw instanceof Map<?, ?> ? (Map<String, Object>) raw : read(String.valueOf(raw));
        Map<String, List<String>> protocols = new LinkedHashMap<>();
        if (m.get("supported_protocols") instanceof Map<?, ?> sp) {
            sp.forEach((k, v) -> protocols.put(String.valueOf(k), v instanceof List<?> l
                    ? l.stream().map(String::valueOf).toList() : List.of(String.valueOf(v))));
        }
        List<String> features = m.get("supported_features") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
        return new BrokerSession.Capabilities(protocols, features);
    }

    static ToolException notFound(String id) {
        return new ToolException(ErrorCode.NOT_FOUND, "session_not_found: no broker session " + id,
                List.of("Use broker_list_sessions to see the sessions"), Map.of("reason", "session_not_found"));
    }

    private Map<String, Object> read(String json) {
        try {
            return mapper.readValue(json, MAP);
        } catch (Exception e) {
            throw ToolException.validation("capabilities must be a JSON object");
        }
    }

    private String write(Object v) {
        try {
            return mapper.writeValueAsString(v);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
