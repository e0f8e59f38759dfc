package io.switchboard;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.switchboard.guard.AccessGuard;
import io.switchboard.guard.ArgumentGuard;
import io.switchboard.mcp.Caller;
import io.switchboard.mcp.McpGateway;
import io.switchboard.mcp.Notifier;
import io.switchboard.mcp.TransportSettings;
import io.switchboard.mcp.TransportLimits;
import io.switchboard.observe.GatewayHealthCheck;
import io.switchboard.observe.ObservabilityGuard;
import io.switchboard.observe.McpMetrics;
import io.switchboard.observe.Meters;
import io.switchboard.observe.SwitchboardInfo;
import io.switchboard.observe.Systems;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.health.HealthCheckHelper;

/** The beans of the gateway, wired from application.properties (and the environment it reads). */
@Configuration
public class SwitchboardConfiguration implements CamelConfiguration {

    @PropertyInject("switchboard.host")
    String host;
    @PropertyInject("switchboard.port")
    int port;
    @PropertyInject("switchboard.routes.dir")
    String routesDir;
    @PropertyInject(value = "switchboard.mcp.token", defaultValue = "")
    String tokens;
    @PropertyInject(value = "switchboard.allow.anonymous", defaultValue = "false")
    boolean allowAnonymous;
    @PropertyInject(value = "switchboard.mcp.allowed-origins", defaultValue = "")
    String allowedOrigins;
    @PropertyInject("switchboard.mcp.max-body-bytes")
    int maxBodyBytes;
    @PropertyInject("switchboard.mcp.session-idle-timeout")
    String sessionIdleTimeout;
    @PropertyInject("switchboard.mcp.keep-alive-interval")
    String keepAliveInterval;
    @PropertyInject("switchboard.mcp.replay-buffer-events")
    int replayBufferEvents;
    @PropertyInject("switchboard.mcp.replay-retention")
    String replayRetention;
    @PropertyInject("switchboard.mcp.sse-retry-millis")
    long sseRetryMillis;
    @PropertyInject("switchboard.mcp.tool-timeout")
    String toolTimeout;
    @PropertyInject("switchboard.mcp.rate-limit-per-second")
    int ratePerSecond;
    @PropertyInject("switchboard.mcp.worker-threads")
    int workerThreads;
    @PropertyInject(value = "switchboard.mcp.request-state-secret", defaultValue = "")
    String requestStateSecret;
    @PropertyInject("switchboard.guard.max-depth")
    int maxDepth;
    @PropertyInject("switchboard.guard.max-string-length")
    int maxStringLength;
    @PropertyInject("switchboard.guard.max-array-length")
    int maxArrayLength;
    @PropertyInject("switchboard.guard.max-object-keys")
    int maxObjectKeys;
    @PropertyInject("switchboard.guard.max-json-nesting")
    int maxJsonNesting;

    @PropertyInject(value = "switchboard.mcp.max-sessions", defaultValue = "1000")
    int maxSessions;
    @PropertyInject(value = "switchboard.mcp.max-sessions-per-client", defaultValue = "100")
    int maxSessionsPerClient;
    @PropertyInject(value = "switchboard.mcp.max-streams-per-session", defaultValue = "32")
    int maxStreamsPerSession;
    @PropertyInject(value = "switchboard.mcp.inline-body-bytes", defaultValue = "16384")
    int inlineBodyBytes;
    @PropertyInject(value = "switchboard.mcp.request-workers", defaultValue = "4")
    int requestWorkers;
    @PropertyInject(value = "switchboard.mcp.request-queue", defaultValue = "256")
    int requestQueue;
    @PropertyInject(value = "switchboard.mcp.max-listeners-per-client", defaultValue = "16")
    int maxListenersPerClient;

    // Bean methods call each other; Camel binds each result once, so the instances are memoised here.
    private McpMetrics metrics;
    private ObjectMapper objectMapper;
    private McpGateway gateway;
    private Systems systemRegistry;

    @BindToRegistry("mcpMetrics")
    public synchronized McpMetrics mcpMetrics(CamelContext camelContext) {
        if (metrics == null) {
            metrics = new McpMetrics(Meters.registry(camelContext));
        }
        return metrics;
    }

    /** The one ObjectMapper of the MCP side; refuses absurd nesting while parsing, before anything walks it. */
    @BindToRegistry("mcpObjectMapper")
    public synchronized ObjectMapper mcpObjectMapper() {
        if (objectMapper != null) {
            return objectMapper;
        }
        ObjectMapper mapper = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(maxJsonNesting)
                .maxStringLength(Math.max(maxBodyBytes, 1_000_000))
                .build());
        objectMapper = mapper;
        return mapper;
    }

    @BindToRegistry("mcpGateway")
    public synchronized McpGateway mcpGateway(CamelContext camelContext) throws Exception {
        if (gateway != null) {
            return gateway;
        }
        List<String> tokenList = split(tokens);
        boolean loopback = InetAddress.getByName(host).isLoopbackAddress();
        if (!loopback && tokenList.isEmpty() && !allowAnonymous) {
            throw new IllegalStateException("Refusing to listen on " + host + " without SWITCHBOARD_MCP_TOKENS: "
                    + "anyone who can reach it could use every tool. Configure tokens, bind to 127.0.0.1, "
                    + "or set SWITCHBOARD_ALLOW_ANONYMOUS=true if a proxy in front authenticates.");
        }
        TransportSettings transport = new TransportSettings(maxBodyBytes, duration(sessionIdleTimeout),
                duration(keepAliveInterval), replayBufferEvents, duration(replayRetention), sseRetryMillis);
        McpGateway.Settings settings = new McpGateway.Settings(port, transport, duration(toolTimeout), workerThreads,
                Path.of(routesDir), Versions.switchboard(),
                "Switchboard bridges XMPP, Mattermost, MQTT, Bindery and an agent broker. Tools are prefixed by system; "
                        + "call switchboard_info to see which systems are configured and connected.");
        ArgumentGuard argumentGuard = new ArgumentGuard(maxDepth, maxStringLength, maxArrayLength, maxObjectKeys);
        AccessGuard accessGuard = new AccessGuard(tokenList, loopback, split(allowedOrigins), ratePerSecond, mcpMetrics(camelContext));
        gateway = new McpGateway(settings, mcpObjectMapper(), argumentGuard, accessGuard, mcpMetrics(camelContext));
        gateway.requestStateKey(requestStateSecret);
        gateway.limits(new TransportLimits(maxSessions, maxSessionsPerClient, maxStreamsPerSession, inlineBodyBytes,
                requestWorkers, requestQueue, maxListenersPerClient));
        return gateway;
    }

    @BindToRegistry("mcpNotifier")
    public Notifier mcpNotifier(CamelContext camelContext) throws Exception {
        return mcpGateway(camelContext).notifier();
    }

    /** The bean tool routes call as {@code mcp}: progress, logging, sampling, elicitation. */
    @BindToRegistry("mcp")
    public Caller mcp(CamelContext camelContext) throws Exception {
        return new Caller(mcpGateway(camelContext).notifier(), mcpObjectMapper(), duration(toolTimeout));
    }

    @BindToRegistry("systems")
    public synchronized Systems systems(CamelContext camelContext) {
        if (systemRegistry == null) {
            systemRegistry = new Systems(camelContext);
        }
        return systemRegistry;
    }

    @BindToRegistry("switchboardInfo")
    public SwitchboardInfo switchboardInfo(CamelContext camelContext) throws Exception {
        return new SwitchboardInfo(Versions.switchboard(), Versions.PROTOCOLS, systems(camelContext), mcpGateway(camelContext));
    }

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        McpGateway gateway = camelContext.getRegistry().lookupByNameAndType("mcpGateway", McpGateway.class);
        camelContext.addService(gateway);
        // Mounts /mcp once Camel's HTTP server, started by its own startup listener, exists.
        camelContext.addStartupListener(gateway);
        HealthCheckHelper.getHealthCheckRegistry(camelContext).register(new GatewayHealthCheck(gateway));
        // Health data and metrics behind the same tokens as the MCP endpoints; the probes stay open.
        camelContext.addStartupListener(new ObservabilityGuard(port, new AccessGuard(split(tokens),
                InetAddress.getByName(host).isLoopbackAddress(), split(allowedOrigins), ratePerSecond, mcpMetrics(camelContext))));
    }

    private static List<String> split(String csv) {
        return csv == null ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static Duration duration(String value) {
        return Duration.parse(value.trim());
    }
}
