package io.switchboard.observe.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.Versions;
import io.switchboard.guard.AccessGuard;
import io.switchboard.observe.McpMetrics;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;

/** The operations page's beans: the page itself and the ring of recent events systems append to. */
@Configuration
public class DashboardConfiguration implements CamelConfiguration {

    @PropertyInject("switchboard.host")
    String host;
    @PropertyInject("switchboard.port")
    int port;
    @PropertyInject(value = "switchboard.mcp.token", defaultValue = "")
    String tokens;
    @PropertyInject(value = "switchboard.mcp.allowed-origins", defaultValue = "")
    String allowedOrigins;
    @PropertyInject(value = "switchboard.dashboard.show-content", defaultValue = "false")
    boolean showContent;
    @PropertyInject(value = "switchboard.dashboard.recent-events", defaultValue = "200")
    int recentEvents;

    private RecentEvents events;
    private Dashboard dashboard;

    /** Systems append incoming messages, drops and reconnects here (YAML: {@code ref: recentEvents}). */
    @BindToRegistry("recentEvents")
    public synchronized RecentEvents recentEvents() {
        if (events == null) {
            events = new RecentEvents(recentEvents, showContent);
        }
        return events;
    }

    @BindToRegistry(value = "dashboard", lazy = true)
    public synchronized Dashboard dashboard(CamelContext camel) throws Exception {
        if (dashboard != null) {
            return dashboard;
        }
        List<String> tokenList = csv(tokens);
        boolean loopback = InetAddress.getByName(host).isLoopbackAddress();
        McpMetrics metrics = camel.getRegistry().lookupByNameAndType("mcpMetrics", McpMetrics.class);
        // The same check as /mcp (Host, Origin, bearer token); no rate limit: a page makes a request a minute.
        AccessGuard guard = new AccessGuard(tokenList, loopback, csv(allowedOrigins), 0, metrics);
        dashboard = new Dashboard(new Dashboard.Settings(port, showContent, !tokenList.isEmpty(), Versions.switchboard()),
                guard, new ObjectMapper(), metrics, recentEvents());
        return dashboard;
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        Dashboard d = camel.getRegistry().lookupByNameAndType("dashboard", Dashboard.class);
        camel.addService(d);
        camel.addStartupListener(d);
    }

    private static List<String> csv(String s) {
        return s == null ? List.of() : Arrays.stream(s.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
    }
}
