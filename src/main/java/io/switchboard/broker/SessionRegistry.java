package io.switchboard.broker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The broker's sessions, kept in memory for the hot path and written through to broker_sessions
 * by the broker routes. Which MCP connection carries which broker session is known only here:
 * after a restart every agent reconnects and resumes its session id.
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
    private final Map<String, BrokerSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, String> byMcpSession = new ConcurrentHashMap<>();

    public SessionRegistry(ObjectMapper mapper, Duration staleAfter, Duration disconnectedAfter,
                           Predicate<String> mcpSessionAlive) {
        this(mapper, staleAfter, disconnectedAfter, mcpSessionAlive, uri -> false, Integer.MAX_VALUE);
    }

    /**
     * @param inboxListened whether a 2026-07-28 client listens for updates of an inbox URI: how a
     *                      session that is a handle only (no MCP session) is reachable
     * @param maxSessionsPerIdentity live (not disconnected) sessions one client identity may hold
     */
    public SessionRegistry(ObjectMapper mapper, Duration staleAfter, Duration disconnectedAfter,
                           Predicate<String> mcpSessionAlive, Predicate<String> inboxListened, int maxSessionsPerIdentity) {
        this.maxSessionsPerIdentity = maxSessionsPerIdentity;
        this.mapper = mapper;
        this.staleAfter = staleAfter;
        this.disconnectedAfter = disconnectedAfter;
        this.mcpSessionAlive = mcpSessionAlive;
        this.inboxListened = inboxListened;
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
            session = sessions.get(resume);
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
            synchronized (this) {
                long held = sessions.values().stream()
                        .filter(s -> identity != null && identity.equals(s.owner()) && s.status() != BrokerSession.Status.DISCONNECTED)
                        .count();
                if (held >= maxSessionsPerIdentity) {
                    throw new ToolException(ErrorCode.RATE_LIMIT_EXCEEDED, "At most " + maxSessionsPerIdentity
                            + " live broker sessions per client (switchboard.broker.max-sessions-per-identity)",
                            List.of("Resume an earlier session with resume_session_id instead of opening a new one",
                                    "Sessions without a heartbeat for the disconnect time no longer count"));
                }
                sessions.put(session.id(), session);
            }
        }
        String previous = session.mcpSessionId();
        if (previous != null) {
            byMcpSession.remove(previous);
        }
        // MCP 2026-07-28 has no transport session: the broker session id is then the only handle.
        String earlier = mcpSessionId == null ? null : byMcpSession.put(mcpSessionId, session.id());
        if (earlier != null && !earlier.equals(session.id())) {
            BrokerSession replaced = sessions.get(earlier);
            if (replaced != null) {
                // It keeps its queue; it is simply no longer reachable on this connection.
                replaced.unbind();
            }
        }
        session.bind(mcpSessionId, now);
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
        s.heartbeat(System.currentTimeMillis());
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
        return sessions.values().stream().filter(s -> identity.equals(s.owner())).map(BrokerSession::id).toList();
    }

    /** The broker session of the MCP connection making a call. */
    BrokerSession caller(String mcpSessionId) {
        String id = mcpSessionId == null ? null : byMcpSession.get(mcpSessionId);
        BrokerSession s = id == null ? null : sessions.get(id);
        if (s == null) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, "This connection has no broker session",
                    List.of("Call broker_connect first (with resume_session_id to continue an earlier session)",
                            "Without an MCP session (protocol 2026-07-28) pass the session_id broker_connect returned"));
        }
        // Any call is a sign of life: an agent busy sending need not heartbeat as well.
        s.heartbeat(System.currentTimeMillis());
        return s;
    }

    public BrokerSession require(String sessionId) {
        BrokerSession s = sessionId == null ? null : sessions.get(sessionId);
        if (s == null) {
            throw notFound(sessionId);
        }
        return s;
    }

    public BrokerSession find(String sessionId) {
        return sessionId == null ? null : sessions.get(sessionId);
    }

    public Collection<BrokerSession> all() {
        return sessions.values();
    }

    /**
     * Reachable right now: bound to an MCP connection that is still open, or (a handle-only
     * session, MCP 2026-07-28) its inbox is listened to on a subscriptions/listen stream.
     */
    public boolean online(BrokerSession s) {
        if (s.status() == BrokerSession.Status.DISCONNECTED) {
            return false;
        }
        String mcp = s.mcpSessionId();
        return mcp != null ? mcpSessionAlive.test(mcp) : inboxListened.test(String.format(MessageRouter.INBOX_URI, s.id()));
    }

    public Map<String, Object> heartbeat(BrokerSession s) {
        s.heartbeat(System.currentTimeMillis());
        return row(s);
    }

    /** Sessions whose heartbeat is overdue change state; answers the rows to update. */
    public List<Map<String, Object>> sweep(long now) {
        List<Map<String, Object>> changed = new ArrayList<>();
        for (BrokerSession s : sessions.values()) {
            long silent = now - s.lastHeartbeat();
            BrokerSession.Status next = silent >= disconnectedAfter.toMillis() ? BrokerSession.Status.DISCONNECTED
                    : silent >= staleAfter.toMillis() ? BrokerSession.Status.STALE : BrokerSession.Status.ACTIVE;
            if (next.ordinal() > s.status().ordinal()) {
                if (next == BrokerSession.Status.DISCONNECTED && s.mcpSessionId() != null) {
                    byMcpSession.remove(s.mcpSessionId());
                }
                s.status(next);
                changed.add(row(s));
            }
        }
        return changed;
    }

    /**
     * Retention: of the stored sessions chosen for deletion (rows with session_id), forgets those
     * that are still disconnected and silent since before {@code cutoff} here too, and answers their
     * ids; one resumed in the meantime stays. A session only in the table (not loaded) is answered as is.
     */
    public List<String> forgetDisconnected(List<Map<String, Object>> rows, long cutoff) {
        List<String> gone = new ArrayList<>();
        for (Map<String, Object> raw : rows) {
            String id = String.valueOf(ProtocolRegistry.lowerKeys(raw).get("session_id"));
            boolean[] kept = {false};
            sessions.computeIfPresent(id, (k, s) -> {
                if (s.status() == BrokerSession.Status.DISCONNECTED && s.lastHeartbeat() < cutoff) {
                    return null;
                }
                kept[0] = true;
                return s;
            });
            if (!kept[0]) {
                gone.add(id);
            }
        }
        return gone;
    }

    /** At start: every stored session, none of them on a connection yet. */
    public void load(List<Map<String, Object>> rows) {
        for (Map<String, Object> raw : rows) {
            Map<String, Object> row = ProtocolRegistry.lowerKeys(raw);
            BrokerSession s = new BrokerSession(String.valueOf(row.get("session_id")),
                    row.get("owner") == null ? null : String.valueOf(row.get("owner")),
                    capabilities(read(String.valueOf(row.get("capabilities")))),
                    ((Number) row.get("connected_at")).longValue(), ((Number) row.get("last_heartbeat")).longValue(),
                    BrokerSession.Status.valueOf(String.valueOf(row.get("status")).toUpperCase(Locale.ROOT)));
            sessions.putIfAbsent(s.id(), s);
        }
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
