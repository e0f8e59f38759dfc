package io.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.McpHttp.SseEvent;
import io.switchboard.testing.RunningSwitchboard;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transport's remaining limits and checks (issue #13), on one Switchboard with tokens:
 * racing initializes never overshoot the per-client session cap; a full request-worker queue is
 * answered 503 and the server recovers; 2026-07-28 listen streams are capped per client (429);
 * another identity's broker inbox cannot be watched (resources/subscribe or listen) any more than
 * read; and a request without a valid session gets the session error whatever its params.
 */
class TransportHardeningTest {

    static final String OWNER = "owner-token-0123456789";
    static final String OTHER = "other-token-0123456789";
    static final String RACER = "racer-token-0123456789";
    static final String FLOOD = "flood-token-0123456789";
    static final String LISTENER = "listener-token-0123456789";
    static final int PER_CLIENT = 6;
    static final int LISTENERS = 2;
    static final String V2026 = "2026-07-28";
    static final Map<String, Object> META = Map.of(
            "io.modelcontextprotocol/protocolVersion", V2026,
            "io.modelcontextprotocol/clientCapabilities", Map.of(),
            "io.modelcontextprotocol/clientInfo", Map.of("name", "hardening-test", "version", "1"));
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static RunningSwitchboard switchboard;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("switchboard.mcp.token", String.join(",", OWNER, OTHER, RACER, FLOOD, LISTENER));
        settings.put("switchboard.mcp.rate-limit-per-second", "0");
        settings.put("switchboard.mcp.max-sessions-per-client", Integer.toString(PER_CLIENT));
        settings.put("switchboard.mcp.max-listeners-per-client", Integer.toString(LISTENERS));
        settings.put("switchboard.mcp.request-workers", "4");
        settings.put("switchboard.mcp.request-queue", "1");
        switchboard = RunningSwitchboard.start(settings);
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    // ------------------------------------------------------------ item 4: racing initializes

    @Test
    void racingInitializesNeverOpenMoreSessionsThanTheCap() throws Exception {
        int racers = 60;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        CountDownLatch go = new CountDownLatch(1);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            all.add(pool.submit(() -> {
                go.await();
                // Padded past the inline size: parsed and admitted on the four request workers at once.
                HttpResponse<String> r = HTTP.send(initialize(RACER, "x".repeat(20_000)), HttpResponse.BodyHandlers.ofString());
                statuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : all) {
            f.get();
        }
        pool.shutdown();
        // 503: the request queue in front of the workers was full (also a clean answer).
        assertThat(statuses.keySet()).as("answers to %s racing initializes", racers).isSubsetOf(200, 429, 503).contains(429);
        int raced = statuses.getOrDefault(200, new AtomicInteger()).get();
        assertThat(raced).as("sessions opened by one client in the race, cap " + PER_CLIENT).isLessThanOrEqualTo(PER_CLIENT);
        // What the race left is exactly the rest of the share: no reservation leaked, none overshot.
        int more = 0;
        HttpResponse<String> r;
        while ((r = HTTP.send(initialize(RACER, ""), HttpResponse.BodyHandlers.ofString())).statusCode() == 200) {
            more++;
        }
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(raced + more).as("live sessions of the client").isEqualTo(PER_CLIENT);
    }

    // ------------------------------------------------------------ item 3: full worker queue

    @Test
    void aFullWorkerQueueIsAnswered503AndTheServerRecovers() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).withToken(FLOOD).initialize();
        // ~1.4 MB of 700,000 small numbers: each body takes a worker a while to parse and guard.
        StringBuilder numbers = new StringBuilder("[0");
        for (int i = 1; i < 700_000; i++) {
            numbers.append(",").append(i % 10);
        }
        numbers.append("]");
        String body = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"switchboard_info\","
                + "\"arguments\":{\"payload\":" + numbers + "}}}";
        ExecutorService senders = Executors.newFixedThreadPool(24);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            sent.add(senders.submit(() -> {
                go.await();
                return HTTP.send(mcp.builder().timeout(Duration.ofMinutes(3)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
            }));
        }
        go.countDown();
        int busy = 0;
        for (Future<HttpResponse<String>> f : sent) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isIn(200, 503);
            if (r.statusCode() == 503) {
                busy++;
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                JsonNode error = McpHttp.JSON.readTree(r.body()).path("error");
                assertThat(error.path("code").asInt()).isEqualTo(-32000);
                assertThat(error.path("message").asText()).contains("busy");
            }
        }
        senders.shutdown();
        assertThat(busy).as("requests refused while four workers with a queue of one were busy").isPositive();
        // Recovered: the same session's next call is served.
        JsonNode info = mcp.callTool("switchboard_info", Map.of());
        assertThat(info.path("result").path("isError").asBoolean()).isFalse();
        assertThat(info.path("result").path("structuredContent").isObject()).isTrue();
    }

    // ------------------------------------------------------------ item 2: listen streams per client

    @Test
    void listenStreamsArePerClientCappedAndAClosedOneFreesItsPlace() throws Exception {
        McpHttp mcp = new McpHttp(switchboard.uri("/mcp")).withToken(LISTENER);
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        for (int i = 0; i < LISTENERS; i++) {
            HttpResponse<InputStream> s = listen(mcp, "l-" + i, Map.of("toolsListChanged", true));
            assertThat(s.statusCode()).isEqualTo(200);
            assertThat(firstEvent(s).path("method").asText()).isEqualTo("notifications/subscriptions/acknowledged");
            open.add(s);
        }
        HttpResponse<InputStream> over = listen(mcp, "l-over", Map.of("toolsListChanged", true));
        assertThat(over.statusCode()).isEqualTo(429);
        JsonNode refused = McpHttp.JSON.readTree(over.body().readAllBytes());
        assertThat(refused.path("id").asText()).isEqualTo("l-over");
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32000);
        assertThat(refused.path("error").path("message").asText()).contains("limit " + LISTENERS);
        assertThat(over.headers().firstValue("Retry-After")).isPresent();

        // Another client is not affected by this one's share.
        HttpResponse<InputStream> other = listen(new McpHttp(switchboard.uri("/mcp")).withToken(OTHER), "o-1",
                Map.of("toolsListChanged", true));
        assertThat(other.statusCode()).isEqualTo(200);
        other.body().close();

        open.get(0).body().close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<InputStream> again = listen(mcp, "l-again", Map.of("toolsListChanged", true));
            try {
                assertThat(again.statusCode()).isEqualTo(200);
            } finally {
                again.body().close();
            }
        });
        open.get(1).body().close();
    }

    // ------------------------------------------------------------ item 5: watching another identity's inbox

    @Test
    void anotherIdentitysInboxCannotBeWatchedAnyMoreThanRead() throws Exception {
        McpHttp owner = new McpHttp(switchboard.uri("/mcp")).withToken(OWNER).initialize();
        JsonNode connected = owner.callTool("broker_connect", Map.of()).path("result").path("structuredContent");
        String inbox = connected.path("inbox_uri").asText();
        assertThat(inbox).startsWith("broker://sessions/");

        McpHttp other = new McpHttp(switchboard.uri("/mcp")).withToken(OTHER).initialize();
        JsonNode read = other.request("resources/read", Map.of("uri", inbox));
        JsonNode subscribe = other.request("resources/subscribe", Map.of("uri", inbox));
        assertThat(read.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(subscribe.has("result")).as(subscribe.toString()).isFalse();
        assertThat(subscribe.path("error").path("code").asInt()).isEqualTo(read.path("error").path("code").asInt());
        assertThat(subscribe.path("error").path("message").asText()).isEqualTo(read.path("error").path("message").asText());

        // 2026-07-28: a listen naming that inbox is refused the same way, and opens nothing.
        HttpResponse<InputStream> listen = listen(new McpHttp(switchboard.uri("/mcp")).withToken(OTHER), "steal",
                Map.of("resourceSubscriptions", List.of(inbox)));
        assertThat(listen.statusCode()).isEqualTo(400);
        JsonNode refused = McpHttp.JSON.readTree(listen.body().readAllBytes());
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(refused.path("error").path("message").asText()).isEqualTo(read.path("error").path("message").asText());

        // The owner watches its own inbox in both eras.
        assertThat(owner.request("resources/subscribe", Map.of("uri", inbox)).has("result")).isTrue();
        HttpResponse<InputStream> own = listen(new McpHttp(switchboard.uri("/mcp")).withToken(OWNER), "mine",
                Map.of("resourceSubscriptions", List.of(inbox)));
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(firstEvent(own).path("params").path("notifications").path("resourceSubscriptions").get(0).asText())
                .isEqualTo(inbox);
        own.body().close();
    }

    // ------------------------------------------------------------ item 6: the session before the params

    @Test
    void aRequestWithoutAValidSessionGetsTheSessionErrorWhateverItsParams() throws Exception {
        McpHttp anonymous = new McpHttp(switchboard.uri("/mcp")).withToken(OWNER);
        String wrongShape = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":42,\"arguments\":\"x\"}}";
        HttpResponse<String> missing = anonymous.postRaw(wrongShape);
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("Mcp-Session-Id");

        HttpResponse<String> unknown = anonymous.postRaw(wrongShape, "Mcp-Session-Id", "no-such-session");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(McpHttp.JSON.readTree(unknown.body()).path("error").path("message").asText()).contains("Session not found");

        HttpResponse<String> badRead = anonymous.postRaw("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":[1]}}",
                "Mcp-Session-Id", "no-such-session");
        assertThat(badRead.statusCode()).isEqualTo(404);

        // With a live session the same params are the client's mistake: -32602.
        McpHttp live = new McpHttp(switchboard.uri("/mcp")).withToken(OWNER).initialize();
        JsonNode invalid = McpHttp.JSON.readTree(live.postRaw(wrongShape).body());
        assertThat(invalid.path("error").path("code").asInt()).isEqualTo(-32602);
    }

    // ------------------------------------------------------------ helpers

    private static HttpRequest initialize(String token, String padding) {
        return HttpRequest.newBuilder(switchboard.uri("/mcp")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                        + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"experimental\":{\"padding\":{\"p\":\"" + padding
                        + "\"}}},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"))
                .build();
    }

    private static HttpResponse<InputStream> listen(McpHttp mcp, String id, Map<String, Object> filter) throws Exception {
        Map<String, Object> body = Map.of("jsonrpc", "2.0", "id", id, "method", "subscriptions/listen",
                "params", Map.of("notifications", filter, "_meta", META));
        return mcp.openStream(mcp.builder().POST(HttpRequest.BodyPublishers.ofString(McpHttp.JSON.writeValueAsString(body)))
                .header("MCP-Protocol-Version", V2026).header("Mcp-Method", "subscriptions/listen").build());
    }

    private static JsonNode firstEvent(HttpResponse<InputStream> stream) throws Exception {
        List<SseEvent> events = SseEvent.read(stream.body(), evs -> evs.stream().anyMatch(e -> e.json() != null));
        return events.stream().filter(e -> e.json() != null).findFirst().orElseThrow().json();
    }
}
