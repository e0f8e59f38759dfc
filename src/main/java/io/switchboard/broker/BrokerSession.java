package io.switchboard.broker;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An agent known to the broker. It outlives MCP connections: {@code mcpSessionId} is the
 * connection it is reachable on right now (null while it has none), and its queue waits in the
 * database meanwhile.
 */
public final class BrokerSession {

    public enum Status { ACTIVE, STALE, DISCONNECTED }

    private final String id;
    /** Who created it: "token:<fingerprint>" owns it exclusively; anything else ("addr:…", null) leaves the handle a capability. */
    private final String owner;
    private final long connectedAt;
    private volatile Capabilities capabilities;
    private volatile long lastHeartbeat;
    private volatile Status status;
    private volatile String mcpSessionId;
    /** The instance whose MCP connection carries it, as broker_sessions says (null: none known). */
    private volatile String instanceId;

    public BrokerSession(String id, Capabilities capabilities, long connectedAt, long lastHeartbeat, Status status) {
        this(id, null, capabilities, connectedAt, lastHeartbeat, status);
    }

    public BrokerSession(String id, String owner, Capabilities capabilities, long connectedAt, long lastHeartbeat, Status status) {
        this.id = id;
        this.owner = owner;
        this.capabilities = capabilities;
        this.connectedAt = connectedAt;
        this.lastHeartbeat = lastHeartbeat;
        this.status = status;
    }

    /** What an agent says it speaks: protocol name → versions, and free-form features. */
    public record Capabilities(Map<String, List<String>> supportedProtocols, List<String> supportedFeatures) {
        public Capabilities {
            supportedProtocols = supportedProtocols == null ? Map.of() : Map.copyOf(supportedProtocols);
            supportedFeatures = supportedFeatures == null ? List.of() : List.copyOf(supportedFeatures);
        }

        public static final Capabilities NONE = new Capabilities(Map.of(), List.of());

        public Map<String, Object> toMap() {
            return Map.of("supported_protocols", supportedProtocols, "supported_features", supportedFeatures);
        }
    }

    public String id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    /** Only a token identity is proof of who calls; an address is shared by everyone behind it. */
    public boolean ownedExclusively() {
        return owner != null && owner.startsWith("token:");
    }

    /** May {@code identity} act as this session (resume, receive, ack, heartbeat, send as it)? */
    public boolean actableBy(String identity) {
        return !ownedExclusively() || owner.equals(identity);
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    void capabilities(Capabilities c) {
        this.capabilities = c;
    }

    public long connectedAt() {
        return connectedAt;
    }

    public long lastHeartbeat() {
        return lastHeartbeat;
    }

    public Status status() {
        return status;
    }

    public String mcpSessionId() {
        return mcpSessionId;
    }

    public String instanceId() {
        return instanceId;
    }

    void instanceId(String instance) {
        this.instanceId = instance;
    }

    /** The connection of this instance it is reachable on, without counting as a heartbeat. */
    void reachableOn(String mcp) {
        this.mcpSessionId = mcp;
    }

    void bind(String mcp, long now) {
        this.mcpSessionId = mcp;
        this.lastHeartbeat = now;
        this.status = Status.ACTIVE;
    }

    void unbind() {
        this.mcpSessionId = null;
    }

    void heartbeat(long now) {
        this.lastHeartbeat = now;
        this.status = Status.ACTIVE;
    }

    void status(Status s) {
        this.status = s;
        if (s == Status.DISCONNECTED) {
            this.mcpSessionId = null;
        }
    }

    public Map<String, Object> describe(boolean withCapabilities, long queueSize) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", id);
        m.put("connection_time", Instant.ofEpochMilli(connectedAt).toString());
        m.put("last_heartbeat", Instant.ofEpochMilli(lastHeartbeat).toString());
        m.put("status", status.name().toLowerCase());
        if (withCapabilities) {
            m.put("capabilities", capabilities.toMap());
        }
        m.put("queue_size", queueSize);
        return m;
    }
}
