package io.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.observe.Systems;
import io.switchboard.testing.Database;
import io.switchboard.testing.DatabaseLogin;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
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
 * The store on each database it supports: migrated at start, de-duplicating, and taking
 * concurrent writers (16 threads, more than the pool's 8 connections) without a failure.
 * Everything goes through the pool and {@code sql:} endpoints, as the routes use it.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreTest {

    private static final int THREADS = 16;

    @Parameter
    Database database;

    DatabaseLogin login;
    Store store;
    CamelContext camel;
    ProducerTemplate producer;
    IdempotentRepository processed;
    final AtomicInteger handled = new AtomicInteger();

    @BeforeParameterizedClassInvocation
    void openStore() throws Exception {
        login = database.create();
        store = open(login);
        processed = new ProcessedMessageIds(store.dataSource(),
                new TransactionTemplate(new DataSourceTransactionManager(store.dataSource())), "store-test");
        camel = new DefaultCamelContext();
        camel.getRegistry().bind("dataSource", store.dataSource());
        camel.getRegistry().bind("idempotentRepository", processed);
        // A lambda, not a RouteBuilder class: Camel Main would pick a class under io/switchboard up
        // as one of Switchboard's own routes when a test starts the gateway.
        RouteBuilder.addRoutes(camel, routes -> {
            routes.from("direct:dead-letter")
                    .to("sql:insert into dead_letters (id, system, reason, error_code, payload, headers, created_at, replay_count)"
                            + " values (:#id, 'store-test', 'test', 'E_TEST', :#payload, null, CAST(:#created_at AS BIGINT), 0)");
            // A read-then-write: the value read decides the value written.
            routes.from("direct:counter-increment")
                    .to("sql:select value from store_test_counters where name = :#name?outputType=SelectOne&outputHeader=current")
                    .setHeader("next", routes.simple("${header.current}++"))
                    .to("sql:update store_test_counters set value = CAST(:#next AS BIGINT) where name = :#name");
            // The same, claiming the row first: the portable FOR UPDATE. PostgreSQL (read committed)
            // makes the other transactions wait for the row and read it again once it is committed;
            // on SQLite the IMMEDIATE transaction already holds the write lock.
            routes.from("direct:counter-claim-and-increment")
                    .to("sql:update store_test_counters set value = value where name = :#name")
                    .to("direct:counter-increment");
            routes.from("direct:once")
                    .idempotentConsumer(routes.header("id")).idempotentRepository("idempotentRepository")
                    .process(e -> handled.incrementAndGet());
        });
        camel.start();
        producer = camel.createProducerTemplate();
    }

    @AfterParameterizedClassInvocation
    void closeStore() {
        camel.stop();
        store.close();
    }

    @Test
    void migrationsAreAppliedOnceAndTheSharedTablesExist() {
        MigrationInfo[] applied = flyway(store).info().applied();
        assertThat(flyway(store).info().pending()).isEmpty();
        assertThat(applied).extracting(m -> m.getVersion().getVersion()).contains("1");
        assertThat(applied).allSatisfy(m -> assertThat(m.getState().isFailed()).isFalse());
        assertThat(producer.requestBody("sql:select count(*) from dead_letters?outputType=SelectOne", null, Number.class))
                .isNotNull();
        assertThat(producer.requestBody("sql:select count(*) from CAMEL_MESSAGEPROCESSED?outputType=SelectOne", null, Number.class))
                .isNotNull();

        // A second start (or a second instance) finds nothing left to apply.
        try (Store again = open(login)) {
            assertThat(flyway(again).info().applied()).hasSameSizeAs(applied);
            assertThat(again.probe().up()).isTrue();
        }
    }

    @Test
    void theIdempotentRepositoryLetsEachIdThroughOnceEvenWhenThreadsRace() throws Exception {
        handled.set(0);
        String first = "first-" + UUID.randomUUID();
        String second = "second-" + UUID.randomUUID();
        for (String id : List.of(first, second, first, second, first)) {
            producer.sendBodyAndHeader("direct:once", "payload", "id", id);
        }
        assertThat(handled).hasValue(2);

        // Many threads (or instances) seeing one id at the same moment: exactly one wins, none fails.
        String contested = "contested-" + UUID.randomUUID();
        List<Boolean> wins = concurrently(THREADS, 1, i -> processed.add(contested));
        assertThat(wins).containsOnlyOnce(true).hasSize(THREADS);

        // The ids are in the database, not in this repository's memory: another pool sees them.
        try (Store other = open(login)) {
            ProcessedMessageIds otherInstance = new ProcessedMessageIds(other.dataSource(),
                    new TransactionTemplate(new DataSourceTransactionManager(other.dataSource())), "store-test");
            assertThat(otherInstance.contains(first)).isTrue();
            assertThat(otherInstance.add(contested)).isFalse();
        }
    }

    @Test
    void sixteenHundredConcurrentInsertsAllSucceed() throws Exception {
        // Not timed: endpoint creation and the JIT's first pass.
        concurrently(THREADS, 100 / THREADS + 1, i -> insertDeadLetter(i));
        int before = count("select count(*) from dead_letters where system = 'store-test'");
        long start = System.nanoTime();
        List<Boolean> results = concurrently(THREADS, 100, i -> insertDeadLetter(i));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(results).hasSize(1600).containsOnly(true);
        assertThat(count("select count(*) from dead_letters where system = 'store-test'")).isEqualTo(before + 1600);
        System.out.printf("store %s: 1600 inserts from %d threads in %d ms (%.0f/s)%n", database, THREADS, millis,
                1600 * 1000.0 / Math.max(1, millis));
    }

    @Test
    void aReadThenWriteInOneTransactionNeverFailsUnderConcurrency() throws Exception {
        long value = incrementConcurrently("direct:counter-increment", "read-then-write");
        if (database == Database.SQLITE) {
            // IMMEDIATE: each transaction holds the write lock from its first read, so none is lost.
            assertThat(value).isEqualTo(800);
        }
        // PostgreSQL (read committed) loses most of them: two transactions read the same value.
        // The next test is the portable way to make it exact.
    }

    @Test
    void aReadThenWriteThatClaimsItsRowFirstLosesNothingOnEitherDatabase() throws Exception {
        assertThat(incrementConcurrently("direct:counter-claim-and-increment", "claim-read-then-write")).isEqualTo(800);
    }

    /** 16 threads × 50 transactions, each running the route's sql: steps; the counter's final value. */
    private long incrementConcurrently(String route, String label) throws Exception {
        String name = "counter-" + UUID.randomUUID();
        producer.requestBody("sql:insert into store_test_counters (name, value) values ('" + name + "', 0)", (Object) null);
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(store.dataSource()));
        long start = System.nanoTime();
        // Every sql: step of the route runs on the calling thread, inside its one Spring transaction.
        List<Boolean> results = concurrently(THREADS, 50, i -> transactions.execute(status -> {
            producer.requestBodyAndHeader(route, null, "name", name);
            return true;
        }));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(results).hasSize(800).containsOnly(true);
        long value = producer.requestBody("sql:select value from store_test_counters where name = '" + name
                + "'?outputType=SelectOne", null, Number.class).longValue();
        System.out.printf("store %s: 800 %s transactions from %d threads in %d ms, counter %d%n",
                database, label, THREADS, millis, value);
        return value;
    }

    @Test
    void switchboardStartsOnThisDatabaseAndReportsTheStoreReady() throws Exception {
        Store running;
        try (RunningSwitchboard switchboard = RunningSwitchboard.start(login.settings())) {
            HttpResponse<String> ready = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(switchboard.uri("/observe/health/ready?data=true")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            JsonNode store = check(new ObjectMapper().readTree(ready.body()), "store");
            assertThat(store.path("status").asText()).isEqualTo("UP");
            assertThat(store.path("data").path("database").asText()).as(ready.body())
                    .startsWith(database == Database.SQLITE ? "SQLite" : "PostgreSQL");
            assertThat(store.path("data").path("pool_max").asInt()).isEqualTo(8);
            assertThat(ready.body()).doesNotContain(login.password().isEmpty() ? "\u0000" : login.password());

            JsonNode info = new McpHttp(switchboard.uri("/mcp")).initialize().callTool("switchboard_info", Map.of())
                    .path("result").path("structuredContent");
            assertThat(info.path("systems").path("store").path("state").asText()).isEqualTo("connected");

            running = switchboard.camel().getRegistry().lookupByNameAndType("store", Store.class);
            assertThat(switchboard.camel().getRegistry().lookupByNameAndType("systems", Systems.class).all())
                    .anySatisfy(s -> assertThat(s.name()).isEqualTo("store"));
        }
        // Stopping Switchboard gives the connections back (several instances share one PostgreSQL).
        assertThat(running.isClosed()).isTrue();
    }

    private boolean insertDeadLetter(int i) {
        producer.requestBody("direct:dead-letter", Map.of("id", UUID.randomUUID().toString(),
                "payload", "{\"n\":" + i + "}", "created_at", System.currentTimeMillis()));
        return true;
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    private static Store open(DatabaseLogin login) {
        Store opened = Store.open(new Store.Settings(login.url(), login.user(), login.password(), 8, 2,
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10)));
        try (var c = opened.dataSource().getConnection(); var s = c.createStatement()) {
            // A table of this test's own, so the shared schema stays what the migrations made it.
            s.execute("CREATE TABLE IF NOT EXISTS store_test_counters (name VARCHAR(80) PRIMARY KEY, value BIGINT NOT NULL)");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return opened;
    }

    private static Flyway flyway(Store store) {
        return Flyway.configure().dataSource(store.dataSource()).locations(Store.MIGRATIONS,
                "classpath:db/vendor/" + (store.database().startsWith("PostgreSQL") ? "postgresql" : "sqlite")).load();
    }

    private int count(String sql) {
        return producer.requestBody("sql:" + sql + "?outputType=SelectOne", null, Number.class).intValue();
    }

    interface Work {
        Boolean run(int i) throws Exception;
    }

    /** {@code threads × each} calls of work, released at once; a call that throws counts as false. */
    private static List<Boolean> concurrently(int threads, int each, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        Set<String> errors = ConcurrentHashMap.newKeySet();
        try {
            List<Future<List<Boolean>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    return IntStream.range(0, each).mapToObj(i -> {
                        try {
                            return work.run(thread * each + i);
                        } catch (Exception e) {
                            errors.add(e.toString());
                            return false;
                        }
                    }).collect(Collectors.toList());
                }));
            }
            go.countDown();
            List<Boolean> results = new ArrayList<>();
            for (Future<List<Boolean>> f : futures) {
                results.addAll(f.get(120, TimeUnit.SECONDS));
            }
            assertThat(errors).as("errors").isEmpty();
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
