package io.switchboard.mqtt;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.SocketFactory;
import javax.net.ssl.SSLException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mqtt_establish_connection: a Paho MQTT 5 connection that camel-paho-mqtt5 publishes
 * through, the subscriptions running on its behalf, and what it measured. Each subscription gets
 * a connection of its own with the same options, because Camel's consumer owns the callback of the
 * client it is given (two consumers on one client would steal each other's messages).
 * Credentials stay in {@link ConnectionString}, in memory, and are never logged.
 */
public final class MqttSession {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSession.class);

    public enum State { CONNECTED, RECONNECTING, CLOSED }

    private final String id;
    /** The client identity that opened it ("token:…" owns it exclusively; see MqttSessions#get). */
    private volatile String owner;
    private final ConnectionString target;
    private final SocketFactory tlsSockets;
    private final MqttSettings settings;
    private final Instant createdAt = Instant.now();
    private final MqttClient client;
    private volatile long lastAccessedMillis = System.currentTimeMillis();
    private volatile State state = State.CONNECTED;
    private volatile Instant disconnectedSince;
    private final AtomicInteger reconnects = new AtomicInteger();
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicInteger subscriptionSeq = new AtomicInteger();
    /** subscription id -> topic filter of what runs now (collections, discoveries, resource watches). */
    private final Map<String, String> subscriptions = new ConcurrentHashMap<>();
    private final LongAdder received = new LongAdder();
    private final LongAdder receivedBytes = new LongAdder();
    private final LongAdder published = new LongAdder();
    private final LongAdder publishedBytes = new LongAdder();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicReference<CompletableFuture<MqttClient>> spare = new AtomicReference<>();
    private final Executor connector;

    private MqttSession(String id, ConnectionString target, SocketFactory tlsSockets, MqttSettings settings, Executor connector)
            throws MqttException {
        this.id = id;
        this.connector = connector;
        this.target = target;
        this.tlsSockets = tlsSockets;
        this.settings = settings;
        this.client = new MqttClient(target.serverUri(), target.clientId(), new MemoryPersistence());
    }

    /** Connects, or fails with a structured error that names the broker but no credential. */
    static MqttSession connect(String id, ConnectionString target, SocketFactory tlsSockets, MqttSettings settings,
                               Executor connector) {
        MqttSession session;
        try {
            session = new MqttSession(id, target, tlsSockets, settings, connector);
        } catch (MqttException e) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, "The broker address is not usable: " + target.host(), List.of());
        }
        session.client.setCallback(session.new StateWatcher());
        // The first spare connects beside the session's own connection, so the first collection starts at once too.
        session.prepareSpare();
        try {
            session.client.connect(session.options());
        } catch (MqttException e) {
            session.close();
            throw connectFailure(target, e);
        }
        CompletableFuture<MqttClient> first = session.spare.get();
        if (first != null) {
            try {
                first.get(settings.connectTimeoutSeconds() + 1L, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // openClient() connects again (and reports) when it is needed
            }
        }
        return session;
    }

    /**
     * A connection for one subscription, with this session's options and a client id of its own.
     * Paho's CONNECT takes ~300 ms here, so one connection is kept ready in advance: a collection
     * then starts receiving within milliseconds of the call, and the next spare connects meanwhile.
     */
    MqttClient openClient() {
        CompletableFuture<MqttClient> ready = spare.getAndSet(null);
        prepareSpare();
        if (ready != null) {
            try {
                MqttClient c = ready.get(settings.connectTimeoutSeconds() + 1L, TimeUnit.SECONDS);
                if (c.isConnected()) {
                    return c;
                }
                closeQuietly(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // The spare failed (broker away?): connect now and report why if that fails too.
            }
        }
        return connectClient("s" + subscriptionSeq.incrementAndGet());
    }

    private void prepareSpare() {
        if (state == State.CLOSED) {
            return;
        }
        String suffix = "s" + subscriptionSeq.incrementAndGet();
        CompletableFuture<MqttClient> next = CompletableFuture.supplyAsync(() -> connectClient(suffix), connector);
        if (!spare.compareAndSet(null, next)) {
            next.thenAccept(MqttSession::closeQuietly);
        }
    }

    private MqttClient connectClient(String suffix) {
        MqttClient c = null;
        try {
            c = new MqttClient(target.serverUri(), target.clientId() + "-" + suffix, new MemoryPersistence());
            c.connect(options());
            return c;
        } catch (MqttException e) {
            closeQuietly(c);
            throw connectFailure(target, e);
        }
    }

    MqttConnectionOptions options() {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setAutomaticReconnect(true);
        // Exponential backoff, as Paho does it: 1 s, 2 s, 4 s ... up to the configured ceiling.
        o.setAutomaticReconnectDelay(1, Math.max(1, settings.maxReconnectDelaySeconds()));
        o.setConnectionTimeout(settings.connectTimeoutSeconds());
        o.setKeepAliveInterval(30);
        if (target.username() != null) {
            o.setUserName(target.username());
        }
        if (target.password() != null) {
            o.setPassword(new String(target.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (target.tls()) {
            o.setSocketFactory(tlsSockets);
            o.setHttpsHostnameVerificationEnabled(true);
        }
        return o;
    }

    static ToolException connectFailure(ConnectionString target, MqttException e) {
        int reason = e.getReasonCode();
        String where = target.host() + ":" + target.port();
        // MQTT 5 CONNACK: 0x86 bad user name or password, 0x87 not authorized (v3 codes 4 and 5 alike).
        if (reason == 0x86 || reason == 0x87 || reason == 4 || reason == 5) {
            return new ToolException(ErrorCode.PERMISSION_DENIED, "Authentication with the broker at " + where + " failed",
                    List.of("Check the user name and password in the connection string", "Check the broker's ACL for this client"));
        }
        if (hasCause(e, SSLException.class) || hasCause(e, java.security.cert.CertificateException.class)) {
            return new ToolException(ErrorCode.CONNECTION_ERROR, "TLS with the broker at " + where
                    + " failed: its certificate is not trusted or does not match the host",
                    List.of("Configure switchboard.mqtt.trust-store with the broker's CA", "Use the host name the certificate was issued for"));
        }
        if (reason == org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_CLIENT_TIMEOUT) {
            return new ToolException(ErrorCode.TIMEOUT_ERROR, "The broker at " + where + " did not answer in time",
                    List.of("Check that the broker is running and reachable"));
        }
        return new ToolException(ErrorCode.CONNECTION_ERROR, "The broker at " + where + " is unreachable",
                List.of("Check the host and port", "Check that the broker is running"));
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    String owner() {
        return owner;
    }

    void owner(String identity) {
        this.owner = identity;
    }

    public String id() {
        return id;
    }

    public ConnectionString target() {
        return target;
    }

    public MqttClient client() {
        return client;
    }

    /** The registry name camel-paho-mqtt5's producer finds this session's client under. */
    public String clientBean() {
        return "mqttClient-" + id;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public long lastAccessedMillis() {
        return lastAccessedMillis;
    }

    void touch() {
        lastAccessedMillis = System.currentTimeMillis();
    }

    public State state() {
        return state;
    }

    public boolean isConnected() {
        return state != State.CLOSED && client.isConnected();
    }

    public int reconnects() {
        return reconnects.get();
    }

    public int disconnects() {
        return disconnects.get();
    }

    public Instant disconnectedSince() {
        return disconnectedSince;
    }

    String nextSubscriptionId() {
        return id.substring(0, 8) + "-" + subscriptionSeq.incrementAndGet();
    }

    void subscribed(String subscriptionId, String filter) {
        subscriptions.put(subscriptionId, filter);
    }

    void unsubscribed(String subscriptionId) {
        subscriptions.remove(subscriptionId);
    }

    public List<String> subscribedTopics() {
        return subscriptions.values().stream().distinct().sorted().toList();
    }

    public int subscriptionCount() {
        return subscriptions.size();
    }

    void countReceived(int bytes) {
        received.increment();
        receivedBytes.add(bytes);
    }

    void countPublished(int bytes, int qos, long nanos) {
        published.increment();
        publishedBytes.add(bytes);
        publishTimer(qos).record(nanos, TimeUnit.NANOSECONDS);
    }

    Timer publishTimer(int qos) {
        return Timer.builder("mqtt.publish").tag("qos", Integer.toString(qos))
                .publishPercentiles(0.5, 0.95, 0.99).register(meters);
    }

    Timer roundTripTimer(int qos) {
        return Timer.builder("mqtt.round_trip").tag("qos", Integer.toString(qos))
                .publishPercentiles(0.5, 0.95, 0.99).register(meters);
    }

    public long received() {
        return received.sum();
    }

    public long receivedBytes() {
        return receivedBytes.sum();
    }

    public long published() {
        return published.sum();
    }

    public long publishedBytes() {
        return publishedBytes.sum();
    }

    /** Disconnects; subscriptions are removed by their owner first. */
    void close() {
        state = State.CLOSED;
        CompletableFuture<MqttClient> ready = spare.getAndSet(null);
        if (ready != null) {
            ready.thenAccept(MqttSession::closeQuietly);
        }
        closeQuietly(client);
        meters.close();
    }

    static void closeQuietly(MqttClient c) {
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect(1000);
            }
        } catch (MqttException ignored) {
            // going away anyway
        }
        try {
            c.close(true);
        } catch (MqttException ignored) {
            // already closed
        }
    }

    /** Tracks the connection's state for mqtt_list_active_connections and /observe/health. */
    private final class StateWatcher implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.RECONNECTING;
            disconnectedSince = Instant.now();
            disconnects.incrementAndGet();
            LOG.warn("MQTT session {} lost its broker {}:{}; reconnecting with backoff", id, target.host(), target.port());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            LOG.debug("MQTT session {} error: reason {}", id, exception.getReasonCode());
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            // The publishing connection subscribes to nothing.
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // publish() is synchronous: its duration is measured where it is called.
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            if (state == State.CLOSED) {
                return;
            }
            if (reconnect) {
                reconnects.incrementAndGet();
                LOG.info("MQTT session {} reconnected to {}:{}", id, target.host(), target.port());
            }
            state = State.CONNECTED;
            disconnectedSince = null;
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // No enhanced authentication.
        }
    }
}
