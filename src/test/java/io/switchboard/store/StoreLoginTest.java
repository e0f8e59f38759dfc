package io.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.switchboard.testing.CapturedLog;
import io.switchboard.testing.DatabaseLogin;
import io.switchboard.testing.PostgresServer;
import io.switchboard.testing.RunningSwitchboard;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Logging in to PostgreSQL: a refused login stops the start with the database's reason, a login
 * refused later makes Switchboard not ready until it is accepted again, and no password is ever printed.
 */
class StoreLoginTest {

    @Test
    void aWrongPasswordStopsTheStartWithTheReasonAndNoPassword() throws Exception {
        DatabaseLogin login = PostgresServer.shared().createDatabase();
        String wrong = "wrong-" + login.password();
        Map<String, String> settings = login.settings();
        settings.put("switchboard.db.password", wrong);
        settings.put("switchboard.db.start-timeout", "PT1S");
        Throwable failure;
        String log;
        try (CapturedLog captured = CapturedLog.capture()) {
            failure = catchThrowable(() -> RunningSwitchboard.start(settings).close());
            log = captured.text();
        }
        assertThat(failure).isNotNull();
        String reported = stackTrace(failure);
        assertThat(reported).contains("The store at jdbc:postgresql://127.0.0.1:")
                .contains("password authentication failed for user \"" + login.user() + "\"");
        assertThat(reported + log).doesNotContain(wrong).doesNotContain(login.password());
    }

    @Test
    void aPasswordInTheUrlStaysOutOfTheLog() throws Exception {
        DatabaseLogin login = PostgresServer.shared().createDatabase();
        // As an operator's SWITCHBOARD_DB_URL arrives: a placeholder resolved when the store reads it
        // (Camel's start-up summary prints placeholders as written; a literal value it prints as is).
        String property = "store-login-test.url." + login.user();
        System.setProperty(property, login.urlWithCredentials());
        String log;
        try (CapturedLog captured = CapturedLog.capture()) {
            try (RunningSwitchboard switchboard = RunningSwitchboard.start(Map.of("switchboard.db.url", "{{sys:" + property + "}}"))) {
                assertThat(switchboard.camel().getRegistry().lookupByNameAndType("store", Store.class).probe().up()).isTrue();
            }
            log = captured.text();
        } finally {
            System.clearProperty(property);
        }
        assertThat(log).contains("Store ready: PostgreSQL").contains("password=***").doesNotContain(login.password());
    }

    @Test
    void switchboardIsNotReadyWhileTheDatabaseRefusesItAndReadyAgainAfter() throws Exception {
        PostgresServer server = PostgresServer.shared();
        DatabaseLogin login = server.createDatabase();
        Map<String, String> settings = login.settings();
        settings.put("switchboard.db.borrow-timeout", "PT1S");
        try (RunningSwitchboard switchboard = RunningSwitchboard.start(settings)) {
            HttpClient http = HttpClient.newHttpClient();
            // The login is refused from now on and its open connections are cut, as in a database outage.
            server.administer("ALTER ROLE " + login.user() + " NOLOGIN");
            server.administer("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + login.user() + "'");
            Awaitility.await("not ready").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> ready = get(http, switchboard, "/observe/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("{\"name\":\"store\",\"status\":\"DOWN\"");
            });
            // Not a reason to restart Switchboard: the database comes back by itself.
            assertThat(get(http, switchboard, "/observe/health/live").statusCode()).isEqualTo(200);

            server.administer("ALTER ROLE " + login.user() + " LOGIN");
            Awaitility.await("ready again").atMost(Duration.ofSeconds(30))
                    .until(() -> get(http, switchboard, "/observe/health/ready").statusCode() == 200);
        }
    }

    private static HttpResponse<String> get(HttpClient http, RunningSwitchboard switchboard, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(switchboard.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
