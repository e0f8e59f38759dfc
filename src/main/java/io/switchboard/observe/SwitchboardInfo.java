package io.switchboard.observe;

import io.switchboard.mcp.McpGateway;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The switchboard_info tool: what is running, which systems are configured and connected. */
public final class SwitchboardInfo {

    private final String version;
    private final List<String> protocolVersions;
    private final Systems systems;
    private final McpGateway gateway;

    public SwitchboardInfo(String version, List<String> protocolVersions, Systems systems, McpGateway gateway) {
        this.version = version;
        this.protocolVersions = protocolVersions;
        this.systems = systems;
        this.gateway = gateway;
    }

    public Map<String, Object> describe() {
        long uptimeMillis = ManagementFactory.getRuntimeMXBean().getUptime();
        Map<String, Object> systemStates = new LinkedHashMap<>();
        systems.all().forEach(s -> systemStates.put(s.name(), s.toMap()));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", "switchboard");
        info.put("version", version);
        info.put("protocol_versions", protocolVersions);
        info.put("endpoints", gateway.endpointPaths());
        info.put("systems", systemStates);
        info.put("sessions", gateway.sessionCount());
        info.put("started_at", Instant.now().minusMillis(uptimeMillis).toString());
        info.put("uptime_seconds", Duration.ofMillis(uptimeMillis).toSeconds());
        return info;
    }
}
