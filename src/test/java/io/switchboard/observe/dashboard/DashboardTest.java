package io.switchboard.observe.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.observe.Systems;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.camel.CamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operations page's HTTP side, as a browser and an operator meet it: the page opens without a
 * token (it is the login) but no data does; the feed pushes snapshots on its own, and what they
 * show follows what happens — sessions opened and closed, a queue filling and draining, a system
 * reconnecting, tool calls in the recent events.
 */
class DashboardTest {

    static final String TOKEN = "dashboard-test-token";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static RunningSwitchboard switchboard;
    static Feed feed;

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of("switchboard.mcp.token", TOKEN));
        feed = new Feed();
    }

    @AfterAll
    static void stop() throws Exception {
        if (feed != null) {
            feed.close();
        }
        switchboard.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(switchboard.uri(path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The SSE feed read on a thread of its own; the newest snapshot is always at hand. */
    static final class Feed implements AutoCloseable {
        final AtomicReference<JsonNode> latest = new AtomicReference<>();
        final AtomicLong received = new AtomicLong();
        final HttpResponse<InputStream> response;

        Feed() throws Exception {
            response = HTTP.send(HttpRequest.newBuilder(switchboard.uri("/observe/dashboard/events"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            Thread reader = new Thread(() -> {
                try {
                    McpHttp.SseEvent.read(response.body(), events -> {
                        JsonNode snapshot = events.get(events.size() - 1).json();
                        if (snapshot != null) {
                            snapshot.path("events").forEach(e -> SEEN_EVENTS.putIfAbsent(e.path("summary").asText(), e));
                            latest.set(snapshot);
                            received.incrementAndGet();
                        }
                        return false;
                    });
                } catch (Exception e) {
                    // closed by the test
                }
            }, "dashboard-feed");
            reader.setDaemon(true);
            reader.start();
        }

        JsonNode await(String what, Predicate<JsonNode> condition) {
            AtomicReference<JsonNode> seen = new AtomicReference<>();
            Awaitility.await(what).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
                JsonNode s = latest.get();
                if (s != null && condition.test(s)) {
                    seen.set(s);
                    return true;
                }
                return false;
            });
            return seen.get();
        }

        @Override
        public void close() throws Exception {
            response.body().close();
        }
    }

    @Test
    void thePageOpensWithoutATokenButItsDataDoesNot() throws Exception {
        HttpResponse<String> page = get("/observe/dashboard", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("id=\"login\"").doesNotContain("dashboard-test-token");
        assertThat(get("/observe/dashboard/assets/dashboard.js", null).statusCode()).isEqualTo(200);
        assertThat(get("/observe/dashboard/assets/favicon.svg", null).headers().firstValue("Content-Type")).hasValue("image/svg+xml");
        assertThat(get("/observe/dashboard/assets/nothing.js", null).statusCode()).isEqualTo(404);
        assertThat(McpHttp.JSON.readTree(get("/observe/dashboard/config", null).body()).path("token_required").asBoolean()).isTrue();

        for (String path : List.of("/observe/dashboard/snapshot", "/observe/dashboard/events")) {
            HttpResponse<String> none = get(path, null);
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(none.body()).doesNotContain("\"systems\"");
            assertThat(get(path, "wrong-token").statusCode()).as(path).isEqualTo(401);
        }
        HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(switchboard.uri("/observe/dashboard/actions/broker/replay"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"x\"]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(get("/observe/dashboard/snapshot", TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void theSnapshotNamesEverySystemTheMcpEndpointsQueuesAndPanels() throws Exception {
        JsonNode s = McpHttp.JSON.readTree(get("/observe/dashboard/snapshot", TOKEN).body());
        assertThat(s.path("systems").findValuesAsText("name")).contains("broker", "mqtt", "store", "xmpp");
        JsonNode store = system(s, "store");
        assertThat(store.path("state").asText()).isEqualTo("connected");
        assertThat(store.path("since").asText()).isNotBlank();
        assertThat(system(s, "xmpp").path("state").asText()).isEqualTo("not_configured");
        assertThat(s.path("mcp").path("endpoints").findValuesAsText("endpoint")).contains("/mcp", "/mcp/broker");
        assertThat(s.path("mcp").path("series").path("requests_per_second").isArray()).isTrue();
        assertThat(s.path("queues").findValuesAsText("name")).contains("seda:broker-deliver");
        assertThat(s.path("panels").findValuesAsText("id")).contains("broker", "mqtt", "store").doesNotContain("xmpp");
        assertThat(s.path("show_content").asBoolean()).isFalse();
    }

    @Test
    void sessionsGoUpAndDownOnTheFeedWithoutAsking() throws Exception {
        long before = feed.await("a first snapshot", x -> true).path("mcp").path("sessions").asLong();
        McpHttp one = new McpHttp(switchboard.uri("/mcp")).withToken(TOKEN).initialize();
        McpHttp two = new McpHttp(switchboard.uri("/mcp/broker")).withToken(TOKEN).initialize();
        feed.await("two more sessions", x -> x.path("mcp").path("sessions").asLong() == before + 2);

        one.callTool("switchboard_info", Map.of());
        JsonNode withCall = feed.await("the tool call among the recent events", x -> hasEvent(x, "switchboard_info"));
        JsonNode call = event(withCall, "switchboard_info");
        assertThat(call.path("outcome").asText()).isEqualTo("ok");
        assertThat(call.path("duration_ms").asDouble()).isPositive();

        for (McpHttp client : List.of(one, two)) {
            HttpResponse<String> deleted = client.send(client.builder().DELETE().build());
            assertThat(deleted.statusCode()).isLessThan(300);
        }
        feed.await("the sessions gone again", x -> x.path("mcp").path("sessions").asLong() == before);
    }

    @Test
    void aPanelASystemRegistersShowsItsQueueFillingAndDraining() {
        Dashboard dashboard = switchboard.camel().getRegistry().lookupByNameAndType("dashboard", Dashboard.class);
        AtomicLong depth = new AtomicLong();
        dashboard.register("testDashboardPanel", new DashboardPanel() {
            @Override
            public String id() {
                return "lab";
            }

            @Override
            public Panel snapshot(CamelContext camel, boolean showContent) {
                return new Panel("lab", "Lab", "connected", List.of(new Figure("depth", depth.get())),
                        List.of(new Queue("lab-inbox", depth.get(), 10L)), List.of());
            }
        });
        depth.set(9);
        feed.await("the lab queue at 9 of 10", x -> queue(x, "lab-inbox") == 9);
        depth.set(0);
        feed.await("the lab queue drained", x -> queue(x, "lab-inbox") == 0);
    }

    @Test
    void aSystemThatReconnectsShowsSinceWhenItsLastErrorAndAnEvent() {
        Systems systems = switchboard.camel().getRegistry().lookupByNameAndType("systems", Systems.class);
        AtomicReference<Systems.Status> status = new AtomicReference<>(
                new Systems.Status("relay", true, Systems.State.CONNECTED, "relay up", false));
        systems.register("relay", status::get);
        feed.await("relay connected", x -> "connected".equals(system(x, "relay").path("state").asText()));

        status.set(new Systems.Status("relay", true, Systems.State.RECONNECTING,
                "Connection refused: relay.internal:5222 password=hunter2", false));
        JsonNode down = feed.await("relay reconnecting", x -> "reconnecting".equals(system(x, "relay").path("state").asText()));
        String lastError = system(down, "relay").path("last_error").asText();
        assertThat(lastError).contains("Connection refused").doesNotContain("hunter2").doesNotContain("relay.internal:5222");
        feed.await("a reconnect event", x -> hasEvent(x, "relay: connected → reconnecting"));

        status.set(new Systems.Status("relay", true, Systems.State.CONNECTED, "relay up", false));
        JsonNode up = feed.await("relay connected again", x -> "connected".equals(system(x, "relay").path("state").asText()));
        assertThat(system(up, "relay").path("last_error").asText()).contains("Connection refused");
    }

    @Test
    void aReplayOfAnUnknownDeadLetterSaysSoWithoutAStackTrace() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(switchboard.uri("/observe/dashboard/actions/broker/replay"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"no-such-letter\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = McpHttp.JSON.readTree(r.body());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(body.path("success").asBoolean()).isFalse();
        assertThat(body.path("replayed").size()).isZero();
        assertThat(body.path("not_found").get(0).asText()).isEqualTo("no-such-letter");
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("at io.");

        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(switchboard.uri("/observe/dashboard/actions/broker/erase"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"x\"]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(McpHttp.JSON.readTree(unknown.body()).path("error_code").asText()).isEqualTo("validation_error");
    }

    static JsonNode system(JsonNode snapshot, String name) {
        for (JsonNode s : snapshot.path("systems")) {
            if (name.equals(s.path("name").asText())) {
                return s;
            }
        }
        return McpHttp.JSON.missingNode();
    }

    static long queue(JsonNode snapshot, String name) {
        for (JsonNode q : snapshot.path("queues")) {
            if (name.equals(q.path("name").asText())) {
                return q.path("depth").asLong();
            }
        }
        return -1;
    }

    // Events arrive once (each snapshot carries only what is new): the reader remembers what went by.
    static final Map<String, JsonNode> SEEN_EVENTS = new java.util.concurrent.ConcurrentHashMap<>();

    static boolean hasEvent(JsonNode snapshot, String summary) {
        return event(snapshot, summary) != null;
    }

    static JsonNode event(JsonNode snapshot, String summary) {
        return SEEN_EVENTS.get(summary);
    }
}
