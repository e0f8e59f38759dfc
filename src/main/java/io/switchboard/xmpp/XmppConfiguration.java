package io.switchboard.xmpp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.cluster.Leadership;
import io.switchboard.mcp.McpGateway;
import io.switchboard.observe.Meters;
import io.switchboard.observe.Systems;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.PriorityBlockingQueue;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Ordered;
import org.apache.camel.Predicate;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StartupListener;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The XMPP bridge's beans; its routes are routes/xmpp.camel.yaml, its tools routes/xmpp.mcp.yaml. */
@Configuration
public class XmppConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(XmppConfiguration.class);
    /** The inbound boundary: the priority queue the gate fills and seda:xmpp-in drains. */
    static final String INBOUND_URI = "seda:xmpp-in?queue=#xmppInboundQueue";

    private XmppSettings settings;
    private PriorityBlockingQueue<Exchange> inboundQueue;
    private InboundGate gate;
    private XmppLink link;
    private XmppTools tools;
    private IdempotentRepository outboxQueued;

    @BindToRegistry(value = "xmppSettings", lazy = true)
    public synchronized XmppSettings xmppSettings(CamelContext camel) {
        if (settings == null) {
            settings = XmppSettings.from(key -> camel.getPropertiesComponent().resolveProperty(key).orElse(""));
        }
        return settings;
    }

    @BindToRegistry(value = "xmppInboundQueue", lazy = true)
    public synchronized PriorityBlockingQueue<Exchange> xmppInboundQueue(CamelContext camel) {
        if (inboundQueue == null) {
            inboundQueue = new PriorityBlockingQueue<>(64, InboundGate.ORDER);
        }
        return inboundQueue;
    }

    @BindToRegistry(value = "xmppGate", lazy = true)
    public synchronized InboundGate xmppGate(CamelContext camel) {
        if (gate == null) {
            gate = new InboundGate(xmppInboundQueue(camel), xmppSettings(camel), Meters.registry(camel));
        }
        return gate;
    }

    @BindToRegistry(value = "xmppLink", lazy = true)
    public synchronized XmppLink xmppLink(CamelContext camel) {
        if (link == null) {
            link = new XmppLink(xmppSettings(camel),
                    camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "xmpp-link"));
        }
        return link;
    }

    @BindToRegistry(value = "xmppTools", lazy = true)
    public synchronized XmppTools xmppTools(CamelContext camel) {
        if (tools == null) {
            McpGateway gateway = camel.getRegistry().lookupByNameAndType("mcpGateway", McpGateway.class);
            ObjectMapper mapper = camel.getRegistry().lookupByNameAndType("mcpObjectMapper", ObjectMapper.class);
            Leadership leadership = camel.getRegistry().lookupByNameAndType("leadership", Leadership.class);
            tools = new XmppTools(xmppSettings(camel), xmppLink(camel), xmppGate(camel), gateway.notifier(), mapper,
                    () -> outboundDepth(camel), Meters.registry(camel), leadership);
        }
        return tools;
    }

    /**
     * The sends handed to the outbound queue in this leadership term (by the tool or by the outbox
     * pick-up), so a row is queued once; emptied when leadership is gained again. Bounded like the queue.
     */
    @BindToRegistry(value = "xmppOutboxQueued", lazy = true)
    public synchronized IdempotentRepository xmppOutboxQueued(CamelContext camel) {
        if (outboxQueued == null) {
            int size = Integer.parseInt(camel.getPropertiesComponent().resolveProperty("switchboard.xmpp.outbound-queue-size")
                    .orElse("10000"));
            outboxQueued = MemoryIdempotentRepository.memoryIdempotentRepository(size);
        }
        return outboxQueued;
    }

    /**
     * Whether xmpp-outbound keeps retrying a send that failed: yes while this instance leads (the
     * server will come back); no once another instance leads: the row stays queued in the outbox
     * and the new leader sends it, so this one must not send it later as well.
     */
    @BindToRegistry(value = "xmppStillLeading", lazy = true)
    public Predicate xmppStillLeading(CamelContext camel) {
        Leadership leadership = camel.getRegistry().lookupByNameAndType("leadership", Leadership.class);
        return exchange -> leadership.leader();
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        camel.addStartupListener(new XmppStartup(this));
    }

    private static void purgeOutbound(CamelContext camel) {
        camel.getEndpoints().stream()
                .filter(e -> e instanceof SedaEndpoint && e.getEndpointKey().startsWith("seda://xmpp-out"))
                .forEach(e -> ((SedaEndpoint) e).purgeQueue());
    }

    private static int outboundDepth(CamelContext camel) {
        return camel.getEndpoints().stream()
                .filter(e -> e instanceof SedaEndpoint && e.getEndpointKey().startsWith("seda://xmpp-out"))
                .mapToInt(e -> ((SedaEndpoint) e).getCurrentQueueSize()).sum();
    }

    /** Connects once the routes run, after stored sends are queued again, before the MCP endpoints open. */
    private record XmppStartup(XmppConfiguration config) implements StartupListener, Ordered {
        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        }

        @Override
        public void onCamelContextFullyStarted(CamelContext camel, boolean alreadyStarted) throws Exception {
            XmppSettings settings = config.xmppSettings(camel);
            XmppLink link = config.xmppLink(camel);
            Systems systems = camel.getRegistry().lookupByNameAndType("systems", Systems.class);
            if (!settings.configured()) {
                LOG.info("XMPP bridge is off: SWITCHBOARD_XMPP_JID is not set");
                if (systems != null) {
                    systems.register("xmpp", () -> new Systems.Status("xmpp", false, Systems.State.NOT_CONFIGURED,
                            "set SWITCHBOARD_XMPP_JID and SWITCHBOARD_XMPP_PASSWORD"));
                }
                return;
            }
            InboundGate gate = config.xmppGate(camel);
            MeterRegistry registry = Meters.registry(camel).get();
            if (registry != null) {
                gate.registerGauges(registry);
            }
            ProducerTemplate producer = camel.createProducerTemplate();
            Endpoint inbound = camel.getEndpoint(INBOUND_URI);
            gate.bindTo(producer, inbound);
            link.wire(
                    message -> gate.offer(message, message.getFrom().asBareJid().toString()),
                    presence -> gate.offer(presence, presence.getFrom().asBareJid().toString()),
                    (from, id) -> producer.sendBody("direct:xmpp-receipt", Map.of("message_id", id, "from", from,
                            "delivered_at", System.currentTimeMillis())),
                    () -> { },
                    () -> storedRooms(producer));
            // One instance holds the account's session: the elected leader (with cluster=none, this one,
            // at once). Taking over, it connects and queues what is stored and not sent, in order (sends
            // accepted before a restart, or by another instance); stepping down, it disconnects and
            // drops its queue: the rows stay queued in the outbox for the new leader.
            Leadership leadership = camel.getRegistry().lookupByNameAndType("leadership", Leadership.class);
            IdempotentRepository queued = config.xmppOutboxQueued(camel);
            if (!leadership.leader()) {
                link.standby();
            }
            leadership.onChange(leading -> {
                if (leading) {
                    // Connecting runs in the background while the stored sends are queued; they wait
                    // at the head of the queue until the session is up.
                    try {
                        link.start();
                    } catch (Exception e) {
                        LOG.warn("XMPP could not start its session: {}", XmppLink.describe(e));
                    }
                    queued.clear();
                    producer.sendBody("direct:xmpp-outbox-replay", null);
                } else {
                    link.standby();
                    purgeOutbound(camel);
                    queued.clear();
                }
            });
            camel.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    link.stop();
                }
            });
            if (systems != null) {
                systems.register("xmpp", () -> new Systems.Status("xmpp", true, link.state(), link.detail()));
            }
        }

        @SuppressWarnings("unchecked")
        private static Map<String, String> storedRooms(ProducerTemplate producer) {
            List<Map<String, Object>> rows = producer.requestBody("direct:xmpp-rooms-load", null, List.class);
            Map<String, String> rooms = new LinkedHashMap<>();
            for (Map<String, Object> row : rows) {
                Map<String, Object> r = new LinkedHashMap<>();
                row.forEach((k, v) -> r.put(k.toLowerCase(Locale.ROOT), v));
                rooms.put(String.valueOf(r.get("room")), String.valueOf(r.get("nickname")));
            }
            return rooms;
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST - 1;
        }
    }
}
