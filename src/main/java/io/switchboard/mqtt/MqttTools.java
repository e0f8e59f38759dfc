package io.switchboard.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import io.switchboard.mcp.Caller;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Message;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * The rules behind the MQTT tools (routes/mqtt.camel.yaml calls these): argument checks, session
 * look-up, timed listening through {@link Subscriptions}, and the shape of every result.
 */
public final class MqttTools {

    static final String CLIENT_BEAN_HEADER = "MqttClientBean";
    private static final String STARTED = "mqttPublishStarted";
    private static final String SESSION = "mqttSession";
    private static final String SIZE = "mqttPayloadSize";

    private final CamelContext camel;
    private final MqttSessions sessions;
    private final Subscriptions subscriptions;
    private final MqttSettings settings;
    private final ObjectMapper mapper;
    private final Payloads payloads;
    private final Supplier<MeterRegistry> metrics;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final TimedListening listening;
    private volatile ProducerTemplate producer;

    public MqttTools(CamelContext camel, MqttSessions sessions, Subscriptions subscriptions, ObjectMapper mapper,
                     Supplier<MeterRegistry> metrics) {
        this.camel = camel;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.settings = sessions.settings();
        this.mapper = mapper;
        this.payloads = new Payloads(mapper);
        this.metrics = metrics;
        this.listening = new TimedListening(camel, subscriptions);
    }

    // ------------------------------------------------------------ sessions

    public Map<String, Object> establish(Map<String, Object> args, String client) {
        ConnectionString target = ConnectionString.parse(str(args, "connection_string", null));
        MqttSession s = sessions.establish(target, client);
        camel.getRegistry().bind(s.clientBean(), org.eclipse.paho.mqttv5.client.MqttClient.class, s.client());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("session_id", s.id());
        r.put("broker", target.host());
        r.put("port", target.port());
        r.put("client_id", target.clientId());
        r.put("tls", target.tls());
        r.put("authenticated", target.hasCredentials());
        r.put("mqtt_version", "5.0");
        r.put("status", "connected");
        r.put("created_at", s.createdAt().toString());
        r.put("session_ttl_hours", settings.sessionTtl().toSeconds() / 3600.0);
        r.put("max_connections", settings.maxSessions());
        return r;
    }

    /** Called when a session closes or expires: its subscriptions, watches and client binding go. */
    void released(MqttSession s) {
        subscriptions.closeAll(s);
        watches.values().removeIf(w -> w.session == s);
        s.close();
        camel.getRegistry().unbind(s.clientBean());
        try {
            camel.removeEndpoints("paho-mqtt5:*" + s.clientBean() + "*");
        } catch (Exception ignored) {
            // the publishing endpoint may never have been made
        }
    }

    /** Only the caller's own sessions: another client's session id is nothing it could use. */
    public Map<String, Object> list(String client) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (MqttSession s : sessions.visibleTo(client)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", s.id());
            m.put("broker", s.target().host());
            m.put("port", s.target().port());
            m.put("client_id", s.target().clientId());
            m.put("tls", s.target().tls());
            m.put("created_at", s.createdAt().toString());
            m.put("last_accessed", Instant.ofEpochMilli(s.lastAccessedMillis()).toString());
            m.put("expires_at", Instant.ofEpochMilli(s.lastAccessedMillis()).plus(settings.sessionTtl()).toString());
            m.put("is_connected", s.isConnected());
            m.put("connection_state", s.isConnected() ? "connected" : s.state().name().toLowerCase(Locale.ROOT));
            m.put("reconnects", s.reconnects());
            if (s.disconnectedSince() != null) {
                m.put("disconnected_since", s.disconnectedSince().toString());
            }
            m.put("subscribed_topics", s.subscribedTopics());
            list.add(m);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("active_connections", list);
        r.put("total_count", list.size());
        r.put("max_connections", settings.maxSessions());
        return r;
    }

    public Map<String, Object> close(Map<String, Object> args, String client) {
        String id = str(args, "session_id", null);
        sessions.close(id, client);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("session_id", id);
        r.put("status", "closed");
        r.put("closed_at", Instant.now().toString());
        return r;
    }

    // ------------------------------------------------------------ publish

    /** Checks the arguments and turns them into the paho-mqtt5 producer's headers and body. */
    public void preparePublish(Exchange ex) {
        Map<String, Object> args = args(ex);
        MqttSession s = sessions.get(str(args, "session_id", null), client(ex));
        String topic = Topics.name(str(args, "topic", null));
        int qos = qos(args);
        Object payload = args.get("payload");
        byte[] bytes = payloadBytes(payload);
        if (bytes.length > settings.maxPayloadBytes()) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, "payload is " + bytes.length + " bytes; at most "
                    + settings.maxPayloadBytes() + " bytes (1 MB) may be published", List.of("Split the payload or publish a reference to it"));
        }
        MqttProperties props = new MqttProperties();
        Object up = args.get("user_properties");
        if (up instanceof Map<?, ?> m) {
            List<UserProperty> list = new ArrayList<>();
            m.forEach((k, v) -> list.add(new UserProperty(String.valueOf(k), v == null ? "" : String.valueOf(v))));
            props.setUserProperties(list);
        }
        String responseTopic = str(args, "response_topic", null);
        if (responseTopic != null) {
            props.setResponseTopic(Topics.name(responseTopic));
        }
        String correlation = str(args, "correlation_data", null);
        if (correlation != null) {
            props.setCorrelationData(correlation.getBytes(StandardCharsets.UTF_8));
        }
        String contentType = str(args, "content_type", null);
        if (contentType != null) {
            props.setContentType(contentType);
        }
        ex.setProperty(SESSION, s);
        ex.setProperty(SIZE, bytes.length);
        ex.setProperty("mqttArgs", args);
        send(ex.getMessage(), s, topic, bytes, qos, bool(args, "retain", false), props);
        ex.setProperty(STARTED, System.nanoTime());
    }

    private static void send(org.apache.camel.Message m, MqttSession s, String topic, byte[] bytes, int qos, boolean retain,
                             MqttProperties props) {
        m.setBody(bytes);
        m.setHeader(PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC, topic);
        m.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_QOS, qos);
        m.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_RETAINED, retain);
        m.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, props);
        m.setHeader(CLIENT_BEAN_HEADER, s.clientBean());
    }

    /** After the producer returned: QoS 1 was acknowledged (PUBACK), QoS 2 completed (PUBCOMP). */
    public Map<String, Object> published(Exchange ex) {
        long nanos = System.nanoTime() - ex.getProperty(STARTED, Long.class);
        MqttSession s = ex.getProperty(SESSION, MqttSession.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> args = ex.getProperty("mqttArgs", Map.class);
        int qos = qos(args);
        int size = ex.getProperty(SIZE, Integer.class);
        s.countPublished(size, qos, nanos);
        MeterRegistry registry = metrics.get();
        if (registry != null) {
            Timer.builder("mqtt_publish_duration").tag("qos", Integer.toString(qos)).register(registry).record(nanos, TimeUnit.NANOSECONDS);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("success", true);
        r.put("session_id", s.id());
        r.put("topic", args.get("topic"));
        r.put("payload_size_bytes", size);
        r.put("qos", qos);
        r.put("retain", bool(args, "retain", false));
        r.put("publish_duration_ms", round(nanos / 1e6));
        if (args.get("user_properties") instanceof Map<?, ?> up && !up.isEmpty()) {
            r.put("user_properties", up);
        }
        r.put("published_at", Instant.now().toString());
        return r;
    }

    /** A publish the broker or the connection refused: a structured error, never Paho's stack. */
    public void publishFailed(Exchange ex) {
        Throwable e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        MqttSession s = ex.getProperty(SESSION, MqttSession.class);
        MqttException me = e instanceof MqttException m ? m : e != null && e.getCause() instanceof MqttException m2 ? m2 : null;
        if (s != null && !s.isConnected()) {
            throw new ToolException(ErrorCode.CONNECTION_ERROR, "Session " + s.id() + " is not connected to its broker (reconnecting)",
                    List.of("Retry in a few seconds", "mqtt_list_active_connections shows the connection state"));
        }
        int reason = me == null ? -1 : me.getReasonCode();
        if (reason == 0x87) {
            throw new ToolException(ErrorCode.PERMISSION_DENIED, "The broker refused the publish: not authorized for this topic", List.of());
        }
        if (reason == 0x90) {
            throw ToolException.validation("The broker refused the topic name as invalid");
        }
        if (reason == 0x95) {
            throw ToolException.validation("The broker refused the payload as too large");
        }
        throw new ToolException(ErrorCode.CONNECTION_ERROR, "The publish failed" + (reason >= 0 ? " (MQTT reason " + reason + ")" : ""),
                List.of("Check the connection with mqtt_test_connection"));
    }

    private byte[] payloadBytes(Object payload) {
        if (payload == null) {
            return new byte[0];
        }
        if (payload instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return mapper.writeValueAsBytes(payload);
        } catch (Exception e) {
            throw ToolException.validation("payload cannot be written as JSON");
        }
    }

    // ------------------------------------------------------------ collection and discovery

    public CompletableFuture<Map<String, Object>> collect(Exchange ex) {
        Map<String, Object> args = args(ex);
        MqttSession s = sessions.get(str(args, "session_id", null), client(ex));
        String filter = Topics.filter(str(args, "topic_pattern", null), "topic_pattern");
        int duration = duration(args, 30, settings.minDurationSeconds());
        int max = intArg(args, "max_messages", Math.min(100, settings.maxMessages()));
        if (max < 1 || max > settings.maxMessages()) {
            throw ToolException.validation("max_messages must be between 1 and " + settings.maxMessages());
        }
        List<Received> got = new ArrayList<>();
        long[] seen = {0};
        TimedListening.Listening l = new TimedListening.Listening();
        long started = System.currentTimeMillis();
        return listening.listen(ex, s, filter, duration, l, r -> {
            synchronized (got) {
                seen[0]++;
                if (got.size() < max) {
                    got.add(r);
                    if (got.size() == max) {
                        l.finish();
                    }
                }
            }
        }, () -> got.size() + " messages").thenApply(stop -> collected(s, filter, duration, max, got, started, stop));
    }

    private Map<String, Object> collected(MqttSession s, String filter, int duration, int max, List<Received> got,
                                          long started, String stop) {
        List<Received> all;
        synchronized (got) {
            all = new ArrayList<>(got);
        }
        List<Received> kept = Pruning.prune(all, settings.pruneTo());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("session_id", s.id());
        r.put("topic_pattern", filter);
        r.put("messages", kept.stream().map(payloads::describe).toList());
        r.put("message_count", kept.size());
        r.put("original_message_count", all.size());
        r.put("pruning_applied", kept.size() < all.size());
        r.put("distinct_topics", all.stream().map(Received::topic).distinct().count());
        r.put("error_like_count", all.stream().filter(Payloads::looksLikeError).count());
        r.put("duration_seconds", duration);
        r.put("elapsed_seconds", round((System.currentTimeMillis() - started) / 1000.0));
        r.put("stopped_because", stop);
        r.put("max_messages", max);
        return r;
    }

    public CompletableFuture<Map<String, Object>> listTopics(Exchange ex) {
        Map<String, Object> args = args(ex);
        MqttSession s = sessions.get(str(args, "session_id", null), client(ex));
        String filter = Topics.filter(str(args, "pattern", "#"), "pattern");
        int duration = duration(args, 5, 1);
        Map<String, long[]> topics = new TreeMap<>();
        long[] total = {0};
        boolean[] truncated = {false};
        return listening.listen(ex, s, filter, duration, new TimedListening.Listening(), r -> {
            synchronized (topics) {
                total[0]++;
                long[] t = topics.get(r.topic());
                if (t == null) {
                    if (topics.size() >= settings.maxTopics()) {
                        truncated[0] = true;
                        return;
                    }
                    t = new long[] {r.receivedAtMillis(), r.receivedAtMillis(), 0, r.retain() ? 1 : 0};
                    topics.put(r.topic(), t);
                }
                t[1] = r.receivedAtMillis();
                t[2]++;
            }
        }, () -> topics.size() + " topics").thenApply(stop -> {
        List<Map<String, Object>> list = new ArrayList<>();
        synchronized (topics) {
            topics.forEach((topic, t) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("topic", topic);
                m.put("first_seen", Instant.ofEpochMilli(t[0]).toString());
                m.put("last_seen", Instant.ofEpochMilli(t[1]).toString());
                m.put("message_count", t[2]);
                m.put("retained", t[3] == 1);
                list.add(m);
            });
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("session_id", s.id());
        r.put("pattern", filter);
        r.put("topics", list);
        r.put("topic_count", list.size());
        r.put("total_messages", total[0]);
        r.put("truncated", truncated[0]);
        r.put("max_topics", settings.maxTopics());
        r.put("duration_seconds", duration);
        return r;
        });
    }

    public CompletableFuture<Map<String, Object>> topicSchema(Exchange ex) {
        Map<String, Object> args = args(ex);
        MqttSession s = sessions.get(str(args, "session_id", null), client(ex));
        String filter = Topics.filter(str(args, "topic_pattern", null), "topic_pattern");
        int duration = duration(args, 10, 1);
        int max = Math.min(intArg(args, "max_samples", settings.maxSchemaSamples()), settings.maxSchemaSamples());
        List<Received> samples = new ArrayList<>();
        TimedListening.Listening l = new TimedListening.Listening();
        return listening.listen(ex, s, filter, duration, l, r -> {
            synchronized (samples) {
                if (samples.size() < max) {
                    samples.add(r);
                    if (samples.size() == max) {
                        l.finish();
                    }
                }
            }
        }, () -> samples.size() + " samples").thenApply(stop -> {
        List<JsonNode> json = new ArrayList<>();
        Map<String, Integer> types = new TreeMap<>();
        Set<String> topics = new LinkedHashSet<>();
        synchronized (samples) {
            for (Received r : samples) {
                topics.add(r.topic());
                String type = payloads.type(r.payload());
                types.merge(type, 1, Integer::sum);
                if ("json".equals(type)) {
                    json.add(payloads.json(r.payload()));
                } else if ("number".equals(type)) {
                    json.add(mapper.valueToTree(Double.parseDouble(Payloads.text(r.payload()).trim())));
                } else if ("text".equals(type)) {
                    json.add(mapper.valueToTree(Payloads.text(r.payload())));
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("session_id", s.id());
        r.put("topic_pattern", filter);
        r.put("sample_count", samples.size());
        r.put("max_samples", max);
        r.put("topics", new ArrayList<>(topics));
        r.put("payload_types", types);
        r.put("schema", json.isEmpty() ? Map.of() : SchemaInference.schema(json));
        r.put("field_stats", SchemaInference.fieldStats(json));
        r.put("duration_seconds", duration);
        if (samples.isEmpty()) {
            r.put("note", "No message arrived on " + filter + " within " + duration + " s");
        }
        return r;
        });
    }

    public CompletableFuture<Map<String, Object>> debugDevice(Exchange ex) {
        Map<String, Object> args = args(ex);
        MqttSession s = sessions.get(str(args, "session_id", null), client(ex));
        String device = str(args, "device_id", null);
        if (device == null || device.isBlank() || device.contains("+") || device.contains("#")) {
            throw ToolException.validation("device_id must be a non-empty id without wildcards");
        }
        String filter = Topics.filter(str(args, "topic_pattern", "#"), "topic_pattern");
        int duration = duration(args, settings.sampleSeconds(), 1);
        String needle = device.toLowerCase(Locale.ROOT);
        Map<String, Long> deviceTopics = new TreeMap<>();
        Deque<Received> recent = new ArrayDeque<>();
        List<Received> errors = new ArrayList<>();
        long[] count = {0, 0, 0};
        long started = System.currentTimeMillis();
        return listening.listen(ex, s, filter, duration, new TimedListening.Listening(), r -> {
            if (!concerns(r, needle)) {
                return;
            }
            synchronized (deviceTopics) {
                count[0]++;
                count[1] += r.payload().length;
                count[2] = r.receivedAtMillis();
                deviceTopics.merge(r.topic(), 1L, Long::sum);
                recent.addLast(r);
                if (recent.size() > 10) {
                    recent.removeFirst();
                }
                if (errors.size() < 20 && Payloads.looksLikeError(r)) {
                    errors.add(r);
                }
            }
        }, () -> count[0] + " device messages").thenApply(stop -> {
        double minutes = Math.max(1e-9, (System.currentTimeMillis() - started) / 60000.0);
        Map<String, Object> r = new LinkedHashMap<>();
        synchronized (deviceTopics) {
            r.put("session_id", s.id());
            r.put("device_id", device);
            List<Map<String, Object>> topics = new ArrayList<>();
            deviceTopics.forEach((t, n) -> topics.add(Map.of("topic", t, "message_count", n)));
            r.put("device_topics", topics);
            r.put("recent_messages", recent.stream().map(payloads::describe).toList());
            r.put("message_count", count[0]);
            r.put("message_frequency_per_minute", round(count[0] / minutes));
            r.put("error_messages", errors.stream().map(payloads::describe).toList());
            r.put("last_message_time", count[0] == 0 ? null : Instant.ofEpochMilli(count[2]).toString());
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("status", count[0] == 0 ? "silent" : errors.isEmpty() ? "active" : "active_with_errors");
            summary.put("topic_count", deviceTopics.size());
            summary.put("error_count", errors.size());
            summary.put("average_payload_bytes", count[0] == 0 ? 0 : count[1] / count[0]);
            summary.put("observed_seconds", duration);
            r.put("summary", summary);
        }
        return r;
        });
    }

    /** A message concerns a device when a topic level or a device field of its JSON names it. */
    private boolean concerns(Received r, String needle) {
        for (String level : r.topic().toLowerCase(Locale.ROOT).split("/")) {
            if (level.equals(needle)) {
                return true;
            }
        }
        if (r.payload().length > 65_536) {
            return false;
        }
        JsonNode j = payloads.json(r.payload());
        if (j != null && j.isObject()) {
            for (String f : List.of("device_id", "deviceId", "device", "id")) {
                if (j.path(f).isValueNode() && j.path(f).asText().equalsIgnoreCase(needle)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------ measurements

    public CompletableFuture<Map<String, Object>> monitor(Exchange ex) {
        Map<String, Object> args = args(ex);
        MqttSession s = sessions.get(str(args, "session_id", null), client(ex));
        String filter = Topics.filter(str(args, "topic_pattern", "#"), "topic_pattern");
        int duration = duration(args, settings.sampleSeconds(), 1);
        java.util.concurrent.atomic.LongAdder messages = new java.util.concurrent.atomic.LongAdder();
        java.util.concurrent.atomic.LongAdder bytes = new java.util.concurrent.atomic.LongAdder();
        Set<String> topics = ConcurrentHashMap.newKeySet();
        long t0 = System.nanoTime();
        return listening.listen(ex, s, filter, duration, new TimedListening.Listening(), r -> {
            messages.increment();
            bytes.add(r.payload().length);
            if (topics.size() < settings.maxTopics()) {
                topics.add(r.topic());
            }
        }, () -> messages.sum() + " messages").thenApply(stop -> {
        double secs = (System.nanoTime() - t0) / 1e9;
        long[] c = {messages.sum(), bytes.sum()};
        Map<String, Object> roundTrips = roundTrips(s, 3);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("session_id", s.id());
        Map<String, Object> throughput = new LinkedHashMap<>();
        throughput.put("topic_pattern", filter);
        throughput.put("sample_seconds", round(secs));
        throughput.put("messages_observed", c[0]);
        throughput.put("messages_per_second", round(c[0] / secs));
        throughput.put("bytes_per_second", round(c[1] / secs));
        throughput.put("topics_observed", topics.size());
        r.put("throughput", throughput);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("probe", roundTrips);
        Map<String, Object> history = new LinkedHashMap<>();
        for (int q = 0; q <= 2; q++) {
            history.put("qos" + q, timerStats(s.publishTimer(q)));
        }
        latency.put("publish_history", history);
        r.put("latency", latency);
        r.put("memory", memory());
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("is_connected", s.isConnected());
        session.put("connection_state", s.isConnected() ? "connected" : s.state().name().toLowerCase(Locale.ROOT));
        session.put("uptime_seconds", Duration.between(s.createdAt(), Instant.now()).toSeconds());
        session.put("messages_published", s.published());
        session.put("bytes_published", s.publishedBytes());
        session.put("messages_received", s.received());
        session.put("bytes_received", s.receivedBytes());
        session.put("reconnects", s.reconnects());
        session.put("active_subscriptions", s.subscriptionCount());
        session.put("subscribed_topics", s.subscribedTopics());
        r.put("session", session);
        r.put("measured_at", Instant.now().toString());
        return r;
        });
    }

    public Map<String, Object> testConnection(Exchange ex) {
        Map<String, Object> args = args(ex);
        MqttSession s = sessions.get(str(args, "session_id", null), client(ex));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("session_id", s.id());
        Map<String, Object> connectivity = new LinkedHashMap<>();
        connectivity.put("broker", s.target().host());
        connectivity.put("port", s.target().port());
        connectivity.put("tls", s.target().tls());
        connectivity.put("is_connected", s.isConnected());
        connectivity.put("connection_state", s.isConnected() ? "connected" : s.state().name().toLowerCase(Locale.ROOT));
        connectivity.put("reconnects", s.reconnects());
        r.put("connectivity", connectivity);
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("method", s.target().hasCredentials() ? "username_password" : "anonymous");
        auth.put("authenticated", s.isConnected());
        r.put("authentication", auth);
        Map<String, Object> qos = s.isConnected() ? roundTrips(s, 1) : Map.of();
        r.put("qos_tests", qos);
        int passed = 0;
        double worst = 0;
        for (Object v : qos.values()) {
            if (v instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("success"))) {
                passed++;
                worst = Math.max(worst, ((Number) m.get("round_trip_ms")).doubleValue());
            }
        }
        String health = !s.isConnected() || passed == 0 ? "poor"
                : passed < 3 ? "fair"
                : worst < 50 ? "excellent" : worst < 250 ? "good" : "fair";
        r.put("overall_health", health);
        r.put("tested_at", Instant.now().toString());
        return r;
    }

    /**
     * Publishes {@code rounds} probes at each QoS to a topic of this session's own and times them:
     * the producer's return (PUBACK for QoS 1, PUBCOMP for QoS 2) and the probe's arrival back.
     */
    private Map<String, Object> roundTrips(MqttSession s, int rounds) {
        String topic = "switchboard/probe/" + s.id() + "/" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Long> arrivals = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(3 * rounds);
        Map<String, Object> out = new LinkedHashMap<>();
        Subscriptions.Subscription sub;
        try {
            sub = subscriptions.open(s, topic, rec -> {
                String key = Payloads.text(rec.payload());
                if (key != null && arrivals.putIfAbsent(key, rec.receivedAtNanos()) == null) {
                    all.countDown();
                }
            });
        } catch (ToolException e) {
            for (int q = 0; q <= 2; q++) {
                out.put("qos" + q, Map.of("success", false, "error", e.getMessage()));
            }
            return out;
        }
        try {
            Map<String, long[]> sent = new LinkedHashMap<>();
            for (int q = 0; q <= 2; q++) {
                final int qos = q;
                for (int i = 0; i < rounds; i++) {
                    String key = "probe-" + q + "-" + i;
                    long start = System.nanoTime();
                    Exchange e = producer().send("direct:mqtt-send", x -> send(x.getMessage(), s, topic,
                            key.getBytes(StandardCharsets.UTF_8), qos, false, new MqttProperties()));
                    long acked = System.nanoTime();
                    sent.put(key, new long[] {start, acked, e.getException() == null ? 1 : 0, q});
                }
            }
            all.await(5, TimeUnit.SECONDS);
            for (int q = 0; q <= 2; q++) {
                List<Double> rtt = new ArrayList<>();
                List<Double> ack = new ArrayList<>();
                int failed = 0;
                for (Map.Entry<String, long[]> e : sent.entrySet()) {
                    long[] v = e.getValue();
                    if (v[3] != q) {
                        continue;
                    }
                    Long arrived = arrivals.get(e.getKey());
                    if (v[2] == 0 || arrived == null) {
                        failed++;
                        continue;
                    }
                    rtt.add((arrived - v[0]) / 1e6);
                    ack.add((v[1] - v[0]) / 1e6);
                    s.roundTripTimer(q).record(arrived - v[0], TimeUnit.NANOSECONDS);
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("success", failed == 0);
                m.put("probes", rounds);
                m.put("lost", failed);
                if (!rtt.isEmpty()) {
                    m.put("round_trip_ms", round(rtt.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
                    m.put("round_trip_max_ms", round(rtt.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
                    m.put("publish_ack_ms", round(ack.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
                }
                out.put("qos" + q, m);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException(ErrorCode.TIMEOUT_ERROR, "Interrupted while probing", List.of());
        } finally {
            sub.close();
        }
    }

    private ProducerTemplate producer() {
        if (producer == null) {
            producer = camel.createProducerTemplate();
        }
        return producer;
    }

    private static Map<String, Object> timerStats(Timer t) {
        Map<String, Object> m = new LinkedHashMap<>();
        var snap = t.takeSnapshot();
        m.put("count", snap.count());
        if (snap.count() > 0) {
            m.put("mean_ms", round(snap.mean(TimeUnit.MILLISECONDS)));
            m.put("max_ms", round(snap.max(TimeUnit.MILLISECONDS)));
            for (ValueAtPercentile p : snap.percentileValues()) {
                m.put("p" + Math.round(p.percentile() * 100) + "_ms", round(p.value(TimeUnit.MILLISECONDS)));
            }
        }
        return m;
    }

    private Map<String, Object> memory() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heap_used_mb", round(heap.getUsed() / 1048576.0));
        m.put("heap_committed_mb", round(heap.getCommitted() / 1048576.0));
        m.put("heap_max_mb", heap.getMax() < 0 ? null : round(heap.getMax() / 1048576.0));
        m.put("heap_used_percent", heap.getMax() <= 0 ? null : round(100.0 * heap.getUsed() / heap.getMax()));
        m.put("active_subscriptions", subscriptions.count());
        m.put("queue_capacity_per_subscription", settings.queueSize());
        return m;
    }

    // ------------------------------------------------------------ resource watches

    /** A topic a client reads as a resource: subscribed until the session ends, last 20 messages kept. */
    private static final class Watch {
        final MqttSession session;
        final String topic;
        final String uri;
        final Deque<Received> recent = new ArrayDeque<>();
        final Instant since = Instant.now();
        long count;
        volatile long lastNotified;
        Subscriptions.Subscription subscription;

        Watch(MqttSession session, String topic, String uri) {
            this.session = session;
            this.topic = topic;
            this.uri = uri;
        }
    }

    /** The caller's identity, as the MCP layer passes it (AccessGuard's client key). */
    private static String client(Exchange ex) {
        return ex.getMessage().getHeader(CLIENT_HEADER, String.class);
    }

    static final String CLIENT_HEADER = "SwitchboardClient";

    /** resources/read of mqtt://{session_id}/{topic}: starts the watch on first read, answers what it saw. */
    public String readResource(Exchange ex) throws Exception {
        String sessionId = ex.getMessage().getHeader("session_id", String.class);
        String encoded = ex.getMessage().getHeader("topic", String.class);
        String uri = ex.getMessage().getHeader("McpResourceUri", String.class);
        String topic = Topics.filter(java.net.URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8), "topic");
        MqttSession s = sessions.get(sessionId, client(ex));
        Caller caller = camel.getRegistry().lookupByNameAndType("mcp", Caller.class);
        Watch w = watches.computeIfAbsent(sessionId + "\n" + topic, k -> {
            Watch nw = new Watch(s, topic, uri);
            nw.subscription = subscriptions.open(s, topic, r -> {
                synchronized (nw) {
                    nw.count++;
                    nw.recent.addLast(r);
                    if (nw.recent.size() > 20) {
                        nw.recent.removeFirst();
                    }
                }
                // Coalesced: a busy topic must not flood the client; it reads the latest state anyway.
                long now = System.currentTimeMillis();
                if (caller != null && now - nw.lastNotified >= 100) {
                    nw.lastNotified = now;
                    caller.resourceUpdated(nw.uri);
                }
            });
            return nw;
        });
        Map<String, Object> body = new LinkedHashMap<>();
        synchronized (w) {
            body.put("session_id", sessionId);
            body.put("topic", topic);
            body.put("subscribed_since", w.since.toString());
            body.put("message_count", w.count);
            body.put("messages", w.recent.stream().map(payloads::describe).toList());
        }
        return mapper.writeValueAsString(body);
    }

    // ------------------------------------------------------------ the inbound side of the template route

    /** paho-mqtt5 message -> {@link Received}: detached, so the queue holds no Paho or Camel state. */
    public static Received capture(Exchange ex) {
        long nanos = System.nanoTime();
        MqttMessage m = ex.getIn() instanceof PahoMqtt5Message pm ? pm.getMqttMessage() : null;
        String topic = ex.getIn().getHeader("CamelMqttTopic", String.class);
        if (m == null) {
            return new Received(topic, ex.getIn().getBody(byte[].class), 0, false, Map.of(), null, null, null,
                    System.currentTimeMillis(), nanos);
        }
        MqttProperties p = m.getProperties();
        Map<String, String> up = Map.of();
        if (p != null && p.getUserProperties() != null && !p.getUserProperties().isEmpty()) {
            up = new LinkedHashMap<>();
            for (UserProperty u : p.getUserProperties()) {
                up.put(u.getKey(), u.getValue());
            }
        }
        return new Received(topic, m.getPayload(), m.getQos(), m.isRetained(), up,
                p == null ? null : p.getResponseTopic(), p == null ? null : p.getCorrelationData(),
                p == null ? null : p.getContentType(), System.currentTimeMillis(), nanos);
    }

    // ------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    private static Map<String, Object> args(Exchange ex) {
        Object body = ex.getMessage().getBody();
        return body instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private int duration(Map<String, Object> args, int dflt, int min) {
        int d = intArg(args, "duration_seconds", dflt);
        if (d < min || d > settings.maxDurationSeconds()) {
            throw ToolException.validation("duration_seconds must be between " + min + " and " + settings.maxDurationSeconds(),
                    "e.g. duration_seconds: " + Math.max(min, Math.min(30, settings.maxDurationSeconds())));
        }
        return d;
    }

    private static int qos(Map<String, Object> args) {
        int q = intArg(args, "qos", 0);
        if (q < 0 || q > 2) {
            throw ToolException.validation("qos must be 0, 1 or 2");
        }
        return q;
    }

    private static String str(Map<String, Object> args, String key, String dflt) {
        Object v = args.get(key);
        return v == null ? dflt : String.valueOf(v);
    }

    private static int intArg(Map<String, Object> args, String key, int dflt) {
        Object v = args.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw ToolException.validation(key + " must be an integer");
        }
    }

    private static boolean bool(Map<String, Object> args, String key, boolean dflt) {
        Object v = args.get(key);
        return v == null ? dflt : v instanceof Boolean b ? b : Boolean.parseBoolean(String.valueOf(v));
    }

    private static double round(double d) {
        return Math.round(d * 100.0) / 100.0;
    }
}
