package io.switchboard.mqtt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.OutboundAllowList;
import io.switchboard.guard.ToolException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.net.SocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open MQTT sessions: at most {@code maxSessions}, each expiring after {@code sessionTtl}
 * without use (Caffeine's expireAfterAccess; the sweep route runs {@link #sweep()} every 60 s so
 * an idle session's connection is released even when nobody looks). An expired session is
 * remembered for a while so its id answers "expired" rather than "unknown".
 */
public final class MqttSessions {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSessions.class);

    private final MqttSettings settings;
    private final SocketFactory tlsSockets;
    private final Cache<String, MqttSession> open;
    private final Cache<String, Boolean> expired;
    private final Executor connector;
    private final OutboundAllowList allowedBrokers;
    private int connecting;

    public MqttSessions(MqttSettings settings, SocketFactory tlsSockets, Executor connector, OutboundAllowList allowedBrokers,
                        Consumer<MqttSession> onRemoval) {
        this.settings = settings;
        this.allowedBrokers = allowedBrokers;
        this.connector = connector;
        this.tlsSockets = tlsSockets;
        this.expired = Caffeine.newBuilder().expireAfterWrite(settings.sessionTtl().plus(Duration.ofHours(1)))
                .maximumSize(10_000).build();
        this.open = Caffeine.newBuilder()
                .expireAfterAccess(settings.sessionTtl())
                .executor(Runnable::run)
                .<String, MqttSession>removalListener((id, session, cause) -> {
                    if (session == null) {
                        return;
                    }
                    if (cause == RemovalCause.EXPIRED) {
                        expired.put(id, Boolean.TRUE);
                        LOG.info("MQTT session {} expired after {} without use", id, settings.sessionTtl());
                    }
                    onRemoval.accept(session);
                })
                .build();
    }

    /**
     * Opens a session, or refuses a broker outside the allow-list (before any connection attempt)
     * and the session beyond the limit, with an error naming the setting.
     */
    public MqttSession establish(ConnectionString requested, String identity) {
        ConnectionString target = requested.at(allowedBrokers.check(requested.host(), requested.port()));
        synchronized (this) {
            open.cleanUp();
            if (open.estimatedSize() + connecting >= settings.maxSessions()) {
                throw new ToolException(ErrorCode.RATE_LIMIT_EXCEEDED,
                        "At most " + settings.maxSessions() + " MQTT sessions may be open at once (switchboard.mqtt.max-sessions)",
                        List.of("Close a session with mqtt_close_connection", "List them with mqtt_list_active_connections"));
            }
            connecting++;
        }
        try {
            MqttSession session = MqttSession.connect(UUID.randomUUID().toString(), target, tlsSockets, settings, connector);
            session.owner(identity);
            open.put(session.id(), session);
            LOG.info("MQTT session {} connected to {}", session.id(), target);
            return session;
        } finally {
            synchronized (this) {
                connecting--;
            }
        }
    }

    /**
     * The session for {@code identity}: one opened under a bearer token is used by that token only
     * (permission_denied for anyone else, SEP-2567's rule for handles); without tokens the session
     * id itself is the capability.
     */
    public MqttSession get(String sessionId, String identity) {
        MqttSession s = get(sessionId);
        if (!usableBy(s, identity)) {
            throw new ToolException(ErrorCode.PERMISSION_DENIED, "MQTT session " + sessionId + " belongs to another client",
                    List.of("Open your own with mqtt_establish_connection"));
        }
        return s;
    }

    static boolean usableBy(MqttSession s, String identity) {
        String owner = s.owner();
        return owner == null || !owner.startsWith("token:") || owner.equals(identity);
    }

    /** The sessions {@code identity} may use (every one without tokens). */
    public List<MqttSession> visibleTo(String identity) {
        return all().stream().filter(s -> usableBy(s, identity)).toList();
    }

    public void close(String sessionId, String identity) {
        get(sessionId, identity);
        open.invalidate(sessionId);
    }

    /** The session, touched; an unknown or expired id is a not_found error saying which. */
    MqttSession get(String sessionId) {
        MqttSession s = sessionId == null ? null : open.getIfPresent(sessionId);
        if (s == null) {
            open.cleanUp();
            if (sessionId != null && expired.getIfPresent(sessionId) != null) {
                throw new ToolException(ErrorCode.NOT_FOUND, "MQTT session " + sessionId + " has expired (unused for longer than "
                        + human(settings.sessionTtl()) + ")", List.of("Open a new one with mqtt_establish_connection"));
            }
            throw ToolException.notFound("No MQTT session " + sessionId, "List sessions with mqtt_list_active_connections",
                    "Open one with mqtt_establish_connection");
        }
        s.touch();
        return s;
    }

    /** Ends every session past its TTL (the removal listener releases it). */
    public void sweep() {
        open.cleanUp();
    }

    public List<MqttSession> all() {
        open.cleanUp();
        return open.asMap().values().stream().sorted(Comparator.comparing(MqttSession::createdAt)).toList();
    }

    public void closeAll() {
        open.invalidateAll();
        open.cleanUp();
    }

    private static String human(Duration d) {
        return d.toSeconds() < 120 ? d.toSeconds() + " s" : d.toMinutes() + " min";
    }

    public MqttSettings settings() {
        return settings;
    }
}
