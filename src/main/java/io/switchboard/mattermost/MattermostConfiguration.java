package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.mcp.McpGateway;
import io.switchboard.observe.Systems;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.Endpoint;
import org.apache.camel.Ordered;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StartupListener;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Mattermost bridge's beans; its routes are routes/mattermost.camel.yaml, its tools routes/mattermost.mcp.yaml. */
@Configuration
public class MattermostConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(MattermostConfiguration.class);
    /** The socket's side of the bounded queue: a full queue drops the new event rather than block the socket. */
    static final String EVENTS_QUEUE = "seda:mattermost-events?discardWhenFull=true";

    private MattermostSettings settings;
    private MattermostClient client;
    private Directory directory;
    private MattermostSocket socket;
    private Poller poller;
    private MattermostEvents events;
    private PostTools posts;
    private UserTools users;
    private ProducerTemplate template;

    @BindToRegistry(value = "mattermostSettings", lazy = true)
    public synchronized MattermostSettings mattermostSettings(CamelContext camel) {
        if (settings == null) {
            settings = MattermostSettings.from(key -> camel.getPropertiesComponent().resolveProperty(key).orElse(""));
        }
        return settings;
    }

    private synchronized ProducerTemplate template(CamelContext camel) {
        if (template == null) {
            template = camel.createProducerTemplate();
        }
        return template;
    }

    private static ObjectMapper mapper(CamelContext camel) {
        return camel.getRegistry().lookupByNameAndType("mcpObjectMapper", ObjectMapper.class);
    }

    @BindToRegistry(value = "mattermostClient", lazy = true)
    public synchronized MattermostClient mattermostClient(CamelContext camel) {
        if (client == null) {
            client = new MattermostClient(mattermostSettings(camel), () -> template(camel), mapper(camel));
        }
        return client;
    }

    @BindToRegistry(value = "mattermostErrors", lazy = true)
    public MattermostErrors mattermostErrors(CamelContext camel) {
        return new MattermostErrors(mapper(camel));
    }

    @BindToRegistry(value = "mattermostRetryAfter", lazy = true)
    public RetryAfter mattermostRetryAfter(CamelContext camel) {
        return new RetryAfter(mattermostSettings(camel).retryMaxDelayMillis());
    }

    @BindToRegistry(value = "mattermostBearer", lazy = true)
    public BearerToken mattermostBearer(CamelContext camel) {
        return new BearerToken(mattermostSettings(camel).token());
    }

    /** TLS for the REST client: a private CA's trust store when one is set, the JVM's CAs otherwise. */
    @BindToRegistry(value = "mattermostTls", lazy = true)
    public SSLContextParameters mattermostTls(CamelContext camel) {
        SSLContextParameters tls = new SSLContextParameters();
        MattermostSettings s = mattermostSettings(camel);
        if (s.trustStore() != null) {
            KeyStoreParameters store = new KeyStoreParameters();
            store.setResource("file:" + s.trustStore());
            store.setPassword(s.trustStorePassword());
            store.setType(s.trustStore().endsWith(".jks") ? "JKS" : "PKCS12");
            TrustManagersParameters trust = new TrustManagersParameters();
            trust.setKeyStore(store);
            tls.setTrustManagers(trust);
        }
        return tls;
    }

    /** Post ids already told to the clients (bounded, least recently used dropped first). */
    @BindToRegistry(value = "mattermostSeenEvents", lazy = true)
    public IdempotentRepository mattermostSeenEvents(CamelContext camel) {
        return MemoryIdempotentRepository.memoryIdempotentRepository(mattermostSettings(camel).dedupSize());
    }

    @BindToRegistry(value = "mattermostDirectory", lazy = true)
    public synchronized Directory mattermostDirectory(CamelContext camel) {
        if (directory == null) {
            directory = new Directory(mattermostClient(camel), mattermostSettings(camel));
        }
        return directory;
    }

    @BindToRegistry(value = "mattermostSocket", lazy = true)
    public synchronized MattermostSocket mattermostSocket(CamelContext camel) {
        if (socket == null) {
            socket = new MattermostSocket(mattermostSettings(camel), mapper(camel));
        }
        return socket;
    }

    @BindToRegistry(value = "mattermostPoller", lazy = true)
    public synchronized Poller mattermostPoller(CamelContext camel) {
        wireEvents(camel);
        return poller;
    }

    @BindToRegistry(value = "mattermostEvents", lazy = true)
    public synchronized MattermostEvents mattermostEvents(CamelContext camel) {
        wireEvents(camel);
        return events;
    }

    /**
     * The poller and the events know each other: the poller shapes what it finds as events, the
     * events tell the poller which posts were delivered.
     */
    private synchronized void wireEvents(CamelContext camel) {
        if (events == null) {
            McpGateway gateway = camel.getRegistry().lookupByNameAndType("mcpGateway", McpGateway.class);
            poller = new Poller(mattermostClient(camel), mattermostDirectory(camel), mattermostSocket(camel)::downSince);
            events = new MattermostEvents(mapper(camel), gateway.notifier(), mattermostDirectory(camel), poller);
            poller.shapeWith(events);
        }
    }

    @BindToRegistry(value = "mattermostPosts", lazy = true)
    public synchronized PostTools mattermostPosts(CamelContext camel) {
        if (posts == null) {
            posts = new PostTools(mattermostClient(camel), mattermostDirectory(camel));
        }
        return posts;
    }

    @BindToRegistry(value = "mattermostChannels", lazy = true)
    public ChannelTools mattermostChannels(CamelContext camel) {
        return new ChannelTools(mattermostClient(camel), mattermostDirectory(camel));
    }

    @BindToRegistry(value = "mattermostUsers", lazy = true)
    public synchronized UserTools mattermostUsers(CamelContext camel) {
        if (users == null) {
            users = new UserTools(mattermostClient(camel), mattermostDirectory(camel));
        }
        return users;
    }

    @BindToRegistry(value = "mattermostFiles", lazy = true)
    public FileTools mattermostFiles(CamelContext camel) {
        return new FileTools(mattermostClient(camel));
    }

    @BindToRegistry(value = "mattermostInbox", lazy = true)
    public InboxTools mattermostInbox(CamelContext camel) {
        return new InboxTools(mattermostClient(camel), mattermostDirectory(camel), mattermostUsers(camel), mattermostPosts(camel));
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        camel.addStartupListener(new MattermostStartup(this));
    }

    /** Registers the system and opens the WebSocket once the routes run. */
    private record MattermostStartup(MattermostConfiguration config) implements StartupListener, Ordered {
        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        }

        @Override
        public void onCamelContextFullyStarted(CamelContext camel, boolean alreadyStarted) throws Exception {
            MattermostSettings settings = config.mattermostSettings(camel);
            Systems systems = camel.getRegistry().lookupByNameAndType("systems", Systems.class);
            if (!settings.configured()) {
                LOG.info("Mattermost bridge is off: SWITCHBOARD_MATTERMOST_URL is not set");
                if (systems != null) {
                    systems.register("mattermost", () -> new Systems.Status("mattermost", false, Systems.State.NOT_CONFIGURED,
                            "set SWITCHBOARD_MATTERMOST_URL and SWITCHBOARD_MATTERMOST_TOKEN"));
                }
                return;
            }
            MattermostSocket socket = config.mattermostSocket(camel);
            config.mattermostPoller(camel);
            ProducerTemplate producer = camel.createProducerTemplate();
            Endpoint queue = camel.getEndpoint(EVENTS_QUEUE);
            socket.onEvent(frame -> producer.sendBody(queue, frame));
            socket.start();
            camel.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    socket.stop();
                }
            });
            if (systems != null) {
                systems.register("mattermost", () -> new Systems.Status("mattermost", true, socket.state(),
                        settings.url() + ": " + socket.detail()));
            }
            LOG.info("Mattermost bridge on {}", settings.url());
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST - 1;
        }
    }
}
