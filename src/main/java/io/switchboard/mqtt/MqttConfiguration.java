package io.switchboard.mqtt;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.OutboundAllowList;
import io.switchboard.observe.Meters;
import io.switchboard.observe.Systems;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.Ordered;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** MQTT 5's beans; its routes are routes/mqtt.camel.yaml, its tools routes/mqtt.mcp.yaml. */
@Configuration
public class MqttConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(MqttConfiguration.class);

    @PropertyInject(value = "switchboard.mqtt.max-subscriptions-per-session", defaultValue = "20")
    int maxSubscriptionsPerSession;
    @PropertyInject("switchboard.mqtt.max-sessions")
    int maxSessions;
    @PropertyInject("switchboard.mqtt.session-ttl")
    String sessionTtl;
    @PropertyInject("switchboard.mqtt.min-duration-seconds")
    int minDuration;
    @PropertyInject("switchboard.mqtt.max-duration-seconds")
    int maxDuration;
    @PropertyInject("switchboard.mqtt.max-messages")
    int maxMessages;
    @PropertyInject("switchboard.mqtt.prune-to")
    int pruneTo;
    @PropertyInject("switchboard.mqtt.max-topics")
    int maxTopics;
    @PropertyInject("switchboard.mqtt.max-schema-samples")
    int maxSamples;
    @PropertyInject("switchboard.mqtt.max-payload-bytes")
    int maxPayloadBytes;
    @PropertyInject("switchboard.mqtt.queue-size")
    int queueSize;
    @PropertyInject("switchboard.mqtt.connect-timeout-seconds")
    int connectTimeout;
    @PropertyInject("switchboard.mqtt.max-reconnect-delay-seconds")
    int maxReconnectDelay;
    @PropertyInject("switchboard.mqtt.sample-seconds")
    int sampleSeconds;
    @PropertyInject(value = "switchboard.mqtt.allowed-brokers", defaultValue = "")
    String allowedBrokers;
    @PropertyInject(value = "switchboard.host", defaultValue = "127.0.0.1")
    String bindHost;
    @PropertyInject(value = "switchboard.mqtt.trust-store", defaultValue = "")
    String trustStore;
    @PropertyInject(value = "switchboard.mqtt.trust-store-password", defaultValue = "")
    String trustStorePassword;

    private MqttSessions sessions;
    private MqttTools tools;

    @BindToRegistry(value = "mqttSessions", lazy = true)
    public synchronized MqttSessions mqttSessions(CamelContext camel) throws Exception {
        if (sessions == null) {
            MqttSettings settings = new MqttSettings(maxSessions, Duration.parse(sessionTtl), minDuration, maxDuration,
                    maxMessages, pruneTo, maxTopics, maxSamples, maxPayloadBytes, queueSize, connectTimeout,
                    maxReconnectDelay, sampleSeconds);
            OutboundAllowList brokers = new OutboundAllowList(allowedBrokers, "SWITCHBOARD_MQTT_ALLOWED_BROKERS");
            if (!brokers.restricts() && !isLoopback(bindHost)) {
                LOG.warn("Switchboard listens on {} and any MQTT client may make it connect to any host and port: "
                        + "set SWITCHBOARD_MQTT_ALLOWED_BROKERS to the brokers it may reach", bindHost);
            }
            sessions = new MqttSessions(settings, tlsSockets(),
                    camel.getExecutorServiceManager().newCachedThreadPool(this, "mqtt-connect"), brokers,
                    s -> mqttTools(camel).released(s));
        }
        return sessions;
    }

    @BindToRegistry(value = "mqttTools", lazy = true)
    public synchronized MqttTools mqttTools(CamelContext camel) {
        if (tools == null) {
            try {
                MqttSessions s = mqttSessions(camel);
                ObjectMapper mapper = camel.getRegistry().lookupByNameAndType("mcpObjectMapper", ObjectMapper.class);
                tools = new MqttTools(camel, s, new Subscriptions(camel, s.settings(), maxSubscriptionsPerSession), mapper,
                        Meters.registry(camel));
            } catch (Exception e) {
                throw new IllegalStateException("MQTT could not start: " + e.getMessage(), e);
            }
        }
        return tools;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The subscription template's first step: a Paho message becomes a {@link Received}. */
    @BindToRegistry("mqttCapture")
    public org.apache.camel.Processor mqttCapture() {
        return exchange -> exchange.getMessage().setBody(MqttTools.capture(exchange));
    }

    /** mqtts:// trusts the JVM's CAs, or only the configured trust store's; certificates are always checked. */
    private SocketFactory tlsSockets() throws Exception {
        if (trustStore == null || trustStore.isBlank()) {
            return SSLContext.getDefault().getSocketFactory();
        }
        Path path = Path.of(trustStore);
        KeyStore ks = KeyStore.getInstance(path.toString().endsWith(".jks") ? "JKS" : "PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            ks.load(in, trustStorePassword.isEmpty() ? null : trustStorePassword.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        camel.addStartupListener(new MqttStartup(this));
        // Sessions end with Switchboard: every broker connection is closed cleanly.
        camel.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext context) {
                if (sessions != null) {
                    sessions.closeAll();
                }
            }
        });
    }

    private record MqttStartup(MqttConfiguration config) implements StartupListener, Ordered {
        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
            // nothing before the routes run
        }

        @Override
        public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
            MqttSessions sessions = config.mqttSessions(context);
            Systems systems = context.getRegistry().lookupByNameAndType("systems", Systems.class);
            if (systems != null) {
                // Sessions reach brokers their clients chose: one going away shows as "reconnecting"
                // in the check's data but never makes Switchboard not ready for everyone else.
                systems.register("mqtt", () -> {
                    var all = sessions.all();
                    long down = all.stream().filter(s -> !s.isConnected()).count();
                    Systems.State state = all.isEmpty() ? Systems.State.NOT_CONFIGURED
                            : down > 0 ? Systems.State.RECONNECTING : Systems.State.CONNECTED;
                    return new Systems.Status("mqtt", !all.isEmpty(), state,
                            all.size() + " sessions" + (down > 0 ? ", " + down + " reconnecting" : ""), false);
                });
            }
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST - 1;
        }
    }
}
