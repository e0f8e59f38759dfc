package io.switchboard.mqtt;

import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.support.service.ServiceHelper;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscriptions as routes made at run time from the {@code mqtt-subscription} route template
 * (routes/mqtt.camel.yaml): paho-mqtt5 consumer on a connection of its own, into a bounded SEDA
 * queue; this class attaches the queue's consumer (the collector of the tool that asked) and
 * removes route, queue and connection when the subscription ends.
 */
public final class Subscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);
    static final String TEMPLATE = "mqtt-subscription";

    private final CamelContext camel;
    private final MqttSettings settings;
    private final Map<String, Subscription> running = new ConcurrentHashMap<>();

    private final int maxPerSession;
    /** Subscriptions of a session still connecting: they count against its limit already. */
    private final Map<MqttSession, Integer> opening = new java.util.HashMap<>();

    public Subscriptions(CamelContext camel, MqttSettings settings) {
        this(camel, settings, Integer.MAX_VALUE);
    }

    /** @param maxPerSession subscriptions (tool collections and resource watches) one session may run at once */
    public Subscriptions(CamelContext camel, MqttSettings settings, int maxPerSession) {
        this.camel = camel;
        this.settings = settings;
        this.maxPerSession = maxPerSession;
    }

    /** One running subscription; {@link #close()} releases all of it and is idempotent. */
    public final class Subscription implements AutoCloseable {
        final String id;
        final MqttSession session;
        final String filter;
        final String routeId;
        final String clientBean;
        final MqttClient client;
        volatile org.apache.camel.Consumer queueConsumer;
        volatile Endpoint queue;
        private volatile boolean closed;

        Subscription(String id, MqttSession session, String filter, MqttClient client) {
            this.id = id;
            this.session = session;
            this.filter = filter;
            this.client = client;
            this.routeId = "mqtt-subscription-" + id;
            this.clientBean = "mqttSubscriber-" + id;
        }

        public String id() {
            return id;
        }

        public String filter() {
            return filter;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            running.remove(id);
            session.unsubscribed(id);
            // The connection goes first: no message may reach a route that is stopping.
            MqttSession.closeQuietly(client);
            try {
                camel.getRouteController().stopRoute(routeId);
                camel.removeRoute(routeId);
            } catch (Exception e) {
                LOG.debug("Removing subscription route {}: {}", routeId, e.toString());
            }
            ServiceHelper.stopAndShutdownService(queueConsumer);
            try {
                // Both the producer's and the consumer's view of the queue go, and with them the queue.
                camel.removeEndpoints("seda:mqtt-" + id + "?*");
            } catch (Exception e) {
                LOG.debug("Removing queue of {}: {}", id, e.toString());
            }
            camel.getRegistry().unbind(clientBean);
        }
    }

    /**
     * Subscribes {@code filter} for {@code session}; every message goes to {@code sink} on the
     * queue's single consumer thread, in arrival order. Returns once the broker acknowledged the
     * subscription, so nothing published after this returns is missed.
     */
    public Subscription open(MqttSession session, String filter, Consumer<Received> sink) {
        // Each subscription is a broker connection of its own: a session may not grow them without bound.
        synchronized (this) {
            long held = running.values().stream().filter(s -> s.session == session).count() + opening.getOrDefault(session, 0);
            if (held >= maxPerSession) {
                throw new ToolException(ErrorCode.RATE_LIMIT_EXCEEDED, "At most " + maxPerSession
                        + " subscriptions and resource watches per MQTT session (switchboard.mqtt.max-subscriptions-per-session)",
                        List.of("Wait for a running collection to finish", "Unsubscribe from resources you no longer watch",
                                "Open another session with mqtt_establish_connection"));
            }
            opening.merge(session, 1, Integer::sum);
        }
        String id = session.nextSubscriptionId();
        long t0 = System.nanoTime();
        MqttClient client;
        Subscription sub;
        try {
            client = session.openClient();
            sub = new Subscription(id, session, filter, client);
            running.put(id, sub);
        } finally {
            synchronized (this) {
                opening.computeIfPresent(session, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
        long tConnected = System.nanoTime();
        try {
            camel.getRegistry().bind(sub.clientBean, MqttClient.class, client);
            String queueUri = "seda:mqtt-" + id + "?size=" + settings.queueSize();
            sub.queue = camel.getEndpoint(queueUri);
            sub.queueConsumer = sub.queue.createConsumer(exchange -> {
                Received r = exchange.getMessage().getBody(Received.class);
                session.countReceived(r.payload().length);
                sink.accept(r);
            });
            ServiceHelper.startService(sub.queueConsumer);
            TemplatedRouteBuilder.builder(camel, TEMPLATE)
                    .routeId(sub.routeId)
                    .parameter("topic", filter)
                    .parameter("client", sub.clientBean)
                    .parameter("queue", "mqtt-" + id)
                    .parameter("queueSize", Integer.toString(settings.queueSize()))
                    .add();
            session.subscribed(id, filter);
            LOG.debug("Subscription {} on {} live after {} ms (connection ready after {} ms)", id, filter, (System.nanoTime() - t0) / 1_000_000, (tConnected - t0) / 1_000_000);
            return sub;
        } catch (RuntimeException e) {
            sub.close();
            throw e;
        } catch (Exception e) {
            sub.close();
            throw new IllegalStateException("Could not subscribe", e);
        }
    }

    /** Ends every subscription of a session (it is closing or expired). */
    public void closeAll(MqttSession session) {
        running.values().stream().filter(s -> s.session == session).toList().forEach(Subscription::close);
    }

    public int count() {
        return running.size();
    }
}
