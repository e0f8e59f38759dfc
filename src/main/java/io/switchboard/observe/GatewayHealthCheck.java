package io.switchboard.observe;

import io.switchboard.mcp.McpGateway;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Ready once the MCP endpoints are mounted and answering. */
public final class GatewayHealthCheck extends AbstractHealthCheck {

    private final McpGateway gateway;

    public GatewayHealthCheck(McpGateway gateway) {
        super("switchboard", "mcp");
        this.gateway = gateway;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("endpoints", String.join(",", gateway.endpointPaths()));
        builder.detail("sessions", gateway.sessionCount());
        if (gateway.isMounted()) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
