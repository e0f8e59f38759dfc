package io.switchboard.store.doorbell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.store.Store;
import io.switchboard.testing.Database;
import io.switchboard.testing.DatabaseLogin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The doorbell on each database: a ring belongs to the transaction it is made in (heard after the
 * commit, never after a rollback), and on PostgreSQL a LISTEN connection that is killed comes back
 * by itself and asks for a catch-up.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DoorbellTest {

    @Parameter
    Database database;

    DatabaseLogin login;
    Store store;
    CamelContext camel;
    ProducerTemplate producer;
    TransactionTemplate transactions;
    final List<String> heard = new CopyOnWriteArrayList<>();
    final List<Long> catchUps = new CopyOnWriteArrayList<>();

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        login = database.create();
        store = Store.open(new Store.Settings(login.url(), login.user(), login.password(), 4, 1,
                Duration.ofSeconds(5), Duration.ofSeconds(10)));
        transactions = new TransactionTemplate(new DataSourceTransactionManager(store.dataSource()));
        Properties credentials = new Properties();
        credentials.setProperty("user", login.user());
        credentials.setProperty("password", login.password());
        credentials.setProperty("ApplicationName", "doorbell-test");
        camel = new DefaultCamelContext();
        camel.addComponent("doorbell", new DoorbellComponent(store.dataSource(), login.url(), credentials,
                Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(2)));
        // A lambda, not a RouteBuilder class: Camel Main would pick one under io/switchboard up as a route of its own.
        RouteBuilder.addRoutes(camel, routes -> routes.from("doorbell:doorbell_test").process(e -> {
            Long since = e.getMessage().getHeader(DoorbellComponent.CATCH_UP_SINCE, Long.class);
            if (since != null) {
                catchUps.add(since);
            } else {
                heard.add(e.getMessage().getBody(String.class));
            }
        }));
        camel.start();
        producer = camel.createProducerTemplate();
        if (database == Database.POSTGRESQL) {
            Awaitility.await("listening").atMost(Duration.ofSeconds(10)).until(() -> !catchUps.isEmpty());
        }
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        if (camel != null) {
            camel.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aRingIsHeardAfterItsTransactionCommitsAndNeverAfterARollback() {
        transactions.executeWithoutResult(tx -> producer.sendBody("doorbell:doorbell_test", "first"));
        transactions.executeWithoutResult(tx -> {
            producer.sendBody("doorbell:doorbell_test", "rolled back");
            tx.setRollbackOnly();
        });
        transactions.executeWithoutResult(tx -> producer.sendBody("doorbell:doorbell_test", "committed"));
        producer.sendBody("doorbell:doorbell_test", "no transaction");
        // Rings arrive in commit order: once the last is heard, a rolled-back one would have been too.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("no transaction"));
        assertThat(heard).as(heard.toString()).containsSubsequence("first", "committed", "no transaction").doesNotContain("rolled back");
    }

    @Test
    void aPayloadIsIdsOnly() {
        assertThatThrownBy(() -> producer.sendBody("doorbell:doorbell_test", "x".repeat(8000)))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseMessage("A doorbell payload carries ids only (under 8000 bytes)");
    }

    @Test
    void aKilledListenConnectionComesBackAndAsksForACatchUp() throws Exception {
        if (database != Database.POSTGRESQL) {
            return; // SQLite rings within the process: there is no connection to lose.
        }
        int before = catchUps.size();
        long killedAt = System.currentTimeMillis();
        try (Connection c = DriverManager.getConnection(login.url(), login.user(), login.password());
                Statement s = c.createStatement()) {
            s.execute("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'doorbell-test'");
        }
        Awaitility.await("listening again").atMost(Duration.ofSeconds(10)).until(() -> catchUps.size() > before);
        assertThat(catchUps.get(catchUps.size() - 1)).as("the catch-up reaches back before the connection was lost")
                .isLessThan(killedAt);
        producer.sendBody("doorbell:doorbell_test", "after the reconnect");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("after the reconnect"));
    }
}
