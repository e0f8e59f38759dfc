package io.switchboard.mattermost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** The client path when Mattermost misbehaves: Retry-After, retries, the circuit breaker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MattermostResilienceTest {

    FakeMattermost fake;
    RunningSwitchboard switchboard;
    McpHttp mcp;

    @BeforeAll
    void start() throws Exception {
        fake = FakeMattermost.start();
        Map<String, String> o = new java.util.HashMap<>(MattermostToolsTest.settings(fake));
        o.put("switchboard.mattermost.retry-delay-millis", "50");
        o.put("switchboard.mattermost.breaker-open-seconds", "2");
        switchboard = RunningSwitchboard.start(o);
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        fake.close();
    }

    @BeforeEach
    void clean() {
        fake.recover();
        fake.clearRequests();
    }

    @AfterEach
    void contract() {
        assertThat(fake.violations()).isEmpty();
    }

    JsonNode stats() throws Exception {
        return mcp.callTool("mattermost_get_channel_stats", Map.of("channel_id", fake.channelId("town-square"))).path("result");
    }

    @Test
    @Order(1)
    void retryAfterIsHonoured() throws Exception {
        fake.failNext(1, 429, "1");
        JsonNode r = stats();
        assertThat(r.path("isError").asBoolean()).as(r.toString()).isFalse();
        List<Long> times = fake.requestTimes();
        assertThat(times).hasSize(2);
        // The backoff alone would have waited 50 ms; the server asked for a second.
        assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    @Order(2)
    void aPersistent429BecomesRateLimitExceeded() throws Exception {
        fake.failNext(100, 429, "0");
        JsonNode r = stats();
        assertThat(r.path("isError").asBoolean()).isTrue();
        assertThat(r.path("structuredContent").path("error_code").asText()).isEqualTo("rate_limit_exceeded");
        // One call and three retries.
        assertThat(fake.requests()).hasSize(4);
        fake.recover();
        assertThat(stats().path("isError").asBoolean()).isFalse();
    }

    @Test
    @Order(3)
    void aPassing5xxIsRetriedAway() throws Exception {
        fake.failNext(2, 503, null);
        JsonNode r = stats();
        assertThat(r.path("isError").asBoolean()).as(r.toString()).isFalse();
        assertThat(r.path("structuredContent").path("member_count").asInt()).isEqualTo(4);
        assertThat(fake.requests()).hasSize(3);
        List<Long> t = fake.requestTimes();
        // Exponential: the second wait is about twice the first.
        assertThat(t.get(2) - t.get(1)).isGreaterThan((long) ((t.get(1) - t.get(0)) * 1.5));
    }

    @Test
    @Order(4)
    void a5xxStormOpensTheBreakerWhichAnswersFastAndRecovers() throws Exception {
        fake.failNext(10_000, 500, null);
        for (int i = 0; i < 5; i++) {
            JsonNode r = stats();
            assertThat(r.path("structuredContent").path("error_code").asText()).isEqualTo("connection_error");
        }
        int sent = fake.requests().size();
        assertThat(sent).isEqualTo(20);
        long started = System.nanoTime();
        JsonNode open = stats();
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(open.path("structuredContent").path("error_code").asText()).isEqualTo("circuit_open");
        assertThat(tookMillis).isLessThan(500);
        // Fast because nothing was sent.
        assertThat(fake.requests()).hasSize(sent);

        fake.recover();
        // Half-open after 2 s: the first call through closes it again.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> !stats().path("isError").asBoolean());
        assertThat(stats().path("isError").asBoolean()).isFalse();
    }
}
