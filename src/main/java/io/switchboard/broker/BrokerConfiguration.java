package io.switchboard.broker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.mcp.McpGateway;
import io.switchboard.observe.Meters;
import io.switchboard.observe.Systems;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.Ordered;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.slf4j.LoggerFactory;

/** The broker's beans; its routes are routes/broker.camel.yaml, its tools routes/broker.mcp.yaml. */
@Configuration
public class BrokerConfiguration implements CamelConfiguration {

    @PropertyInject("switchboard.broker.queue-limit")
    int queueLimit;
    @PropertyInject("switchboard.broker.stale-after")
    String staleAfter;
    @PropertyInject("switchboard.broker.disconnected-after")
    String disconnectedAfter;
    @PropertyInject(value = "switchboard.broker.max-sessions-per-identity", defaultValue = "100")
    int maxSessionsPerIdentity;
    @PropertyInject(value = "switchboard.broker.instance-id", defaultValue = "")
    String instanceId;

    private ProtocolRegistry protocols;
    private SessionRegistry sessions;
    private MessageRouter router;

    @BindToRegistry(value = "brokerProtocols", lazy = true)
    public synchronized ProtocolRegistry brokerProtocols(CamelContext camel) {
        if (protocols == null) {
            ProducerTemplate template = camel.createProducerTemplate();
            protocols = new ProtocolRegistry(mapper(camel), () -> template.requestBody("direct:broker-protocol-rows", null, List.class));
        }
        return protocols;
    }

    @BindToRegistry(value = "brokerSessions", lazy = true)
    public synchronized SessionRegistry brokerSessions(CamelContext camel) {
        if (sessions == null) {
            McpGateway gateway = camel.getRegistry().lookupByNameAndType("mcpGateway", McpGateway.class);
            sessions = new SessionRegistry(mapper(camel), Duration.parse(staleAfter), Duration.parse(disconnectedAfter),
                    mcp -> gateway.notifier().isConnected(mcp), inbox -> gateway.notifier().isListening(inbox),
                    maxSessionsPerIdentity, new StoredSessions(camel.createProducerTemplate()), instanceId());
        }
        return sessions;
    }

    @BindToRegistry(value = "brokerMessages", lazy = true)
    public synchronized MessageRouter brokerMessages(CamelContext camel) {
        if (router == null) {
            McpGateway gateway = camel.getRegistry().lookupByNameAndType("mcpGateway", McpGateway.class);
            router = new MessageRouter(camel, mapper(camel), brokerProtocols(camel), brokerSessions(camel),
                    gateway.notifier(), queueLimit, Meters.registry(camel));
        }
        return router;
    }

    @BindToRegistry(value = "brokerTools", lazy = true)
    public BrokerTools brokerTools(CamelContext camel) {
        MessageRouter r = brokerMessages(camel);
        return new BrokerTools(brokerSessions(camel), r, new Negotiator(r::adapterExists), mapper(camel), Meters.registry(camel));
    }

    /** This process among those sharing one database: configured, or host and process id. */
    String instanceId() {
        if (instanceId != null && !instanceId.isBlank()) {
            return instanceId.trim();
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        // Stored protocols and sessions are loaded before the MCP endpoints open (the gateway runs last).
        camel.addStartupListener(new BrokerStartup(this));
    }

    private static ObjectMapper mapper(CamelContext camel) {
        return camel.getRegistry().lookupByNameAndType("mcpObjectMapper", ObjectMapper.class);
    }

    private record BrokerStartup(BrokerConfiguration config) implements StartupListener, Ordered {
        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
            // Routes are not running yet here; the work happens once they are.
        }

        @Override
        public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
            context.createProducerTemplate().sendBody("direct:broker-load", null);
            SessionRegistry sessions = config.brokerSessions(context);
            LoggerFactory.getLogger(BrokerConfiguration.class).info("Broker {}: {} stored sessions",
                    config.instanceId(), sessions.count());
            Systems systems = context.getRegistry().lookupByNameAndType("systems", Systems.class);
            if (systems != null) {
                systems.register("broker", () -> status(sessions));
            }
        }

        /**
         * The sessions are counted in the store: when it cannot answer, the broker cannot work either,
         * and readiness says so (503 with the store's own check beside it), never an error of its own.
         */
        private static Systems.Status status(SessionRegistry sessions) {
            try {
                return new Systems.Status("broker", true, Systems.State.CONNECTED, sessions.count() + " sessions");
            } catch (RuntimeException e) {
                return new Systems.Status("broker", true, Systems.State.DISCONNECTED, "its store does not answer");
            }
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST - 1;
        }
    }
}
