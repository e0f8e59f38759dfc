package io.switchboard.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With tokens configured, health data and metrics are for token holders; the probes an
 * orchestrator polls stay open, and what health data says of a failing system is sanitised.
 */
class ObservabilityAuthTest {

    static RunningSwitchboard switchboard;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String TOKEN = "observe-token-1";

    @BeforeAll
    static void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of("switchboard.mcp.token", TOKEN));
    }

    @AfterAll
    static void stop() throws Exception {
        switchboard.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(switchboard.uri(path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void probesStayOpen() throws Exception {
        assertThat(get("/observe/health/live", null).statusCode()).isEqualTo(200);
        assertThat(get("/observe/health/ready", null).statusCode()).isEqualTo(200);
    }

    @Test
    void healthDataAndMetricsNeedTheToken() throws Exception {
        for (String path : new String[] {"/observe/health?data=true", "/observe/health", "/observe/health/",
                "/observe/health/ready?data=true", "/observe/metrics"}) {
            HttpResponse<String> anonymous = get(path, null);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).as(path).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(anonymous.body()).as(path).doesNotContain("mcp_sessions").doesNotContain("store");
            assertThat(get(path, "wrong-token").statusCode()).as(path).isEqualTo(401);
        }
        HttpResponse<String> data = get("/observe/health?data=true", TOKEN);
        assertThat(data.statusCode()).isEqualTo(200);
        assertThat(data.body()).contains("\"status\"").contains("store");
        HttpResponse<String> metrics = get("/observe/metrics", TOKEN);
        assertThat(metrics.statusCode()).isEqualTo(200);
        // The refusals above are counted, and the scrape shows it.
        assertThat(metrics.body()).contains("mcp_sessions{endpoint=\"/mcp\"").contains("mcp_rejected_total{reason=\"no_token\"}");
    }

    @Test
    void aFailingSystemsHealthDetailIsSanitised() throws Exception {
        Systems systems = switchboard.camel().getRegistry().lookupByNameAndType("systems", Systems.class);
        systems.register("leaky", () -> new Systems.Status("leaky", true, Systems.State.CONNECTED,
                "Connection refused: db.internal.example:5432 password=hunter2 at /opt/switchboard/lib/driver.jar"));
        HttpResponse<String> data = get("/observe/health?data=true", TOKEN);
        assertThat(data.body()).contains("leaky")
                .doesNotContain("hunter2").doesNotContain("db.internal.example:5432").doesNotContain("/opt/switchboard");
    }

    @Test
    void camelsOwnHealthCheckTextIsSanitisedAndNeverAStackTrace() throws Exception {
        // A check failing the way a driver does: hosts, a user's secret, a path and class names in its text.
        org.apache.camel.health.HealthCheck leaky = new org.apache.camel.impl.health.AbstractHealthCheck("leaky-camel-check") {
            @Override
            protected void doCall(org.apache.camel.health.HealthCheckResultBuilder builder, Map<String, Object> options) {
                builder.message("org.sqlite.SQLiteException: [SQLITE_CANTOPEN] /opt/switchboard/data/switchboard.db")
                        .detail("url", "jdbc:postgresql://db.internal.example:5432/switchboard?password=hunter2")
                        .error(new java.sql.SQLException("Connection to db.internal.example:5432 refused, password=hunter2",
                                new IllegalStateException("org.postgresql.util.PSQLException: FATAL at /opt/switchboard/run")))
                        .down();
            }
        };
        org.apache.camel.health.HealthCheckRegistry registry = org.apache.camel.health.HealthCheckRegistry.get(switchboard.camel());
        registry.register(leaky);
        try {
            for (String path : new String[] {"/observe/health?data=true", "/observe/health?data=true&stacktrace=true",
                    "/observe/health/ready?data=true&stacktrace=true"}) {
                HttpResponse<String> data = get(path, TOKEN);
                assertThat(data.statusCode()).as(path).isEqualTo(503);
                assertThat(data.body()).as(path).contains("leaky-camel-check").contains("\"DOWN\"").contains("error-message")
                        .contains("store")
                        .doesNotContain("hunter2").doesNotContain("db.internal.example").doesNotContain(":5432")
                        .doesNotContain("/opt/switchboard").doesNotContain("jdbc:").doesNotContain("org.postgresql")
                        .doesNotContain("org.sqlite").doesNotContain("java.sql").doesNotContain("at org.")
                        .doesNotContain("stacktrace")
                        // Camel's own timestamps stay readable (a time is not a host:port to hide).
                        .containsPattern("\"invocation\\.time\":\"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}")
                        .doesNotContain("time\":\"[address]");
            }
        } finally {
            registry.unregister(leaky);
        }
        assertThat(get("/observe/health?data=true", TOKEN).statusCode()).isEqualTo(200);
    }
}
