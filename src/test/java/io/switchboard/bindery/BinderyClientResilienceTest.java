package io.switchboard.bindery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.switchboard.bindery.FakeRustBindery.Fault;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The client tools against a fake of the Rust backend: its quirks handled (tags as JSON strings,
 * summaries, PUT keeping only title and status, execute's in_progress), and its failures: 5xx and
 * timeouts retried with growing delays, 4xx not retried, the breaker opening after five failed
 * calls and then answering circuit_open at once without a request, a half-open probe closing it,
 * and slow answers leaving no call stuck. The breaker's state carries from test to test: ordered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BinderyClientResilienceTest {

    FakeRustBindery fake;
    RunningSwitchboard switchboard;
    McpHttp mcp;

    @BeforeAll
    void start() throws Exception {
        fake = new FakeRustBindery();
        switchboard = RunningSwitchboard.start(Map.of(
                "switchboard.bindery.url", fake.url(),
                "switchboard.bindery.timeout", "0.5",
                "switchboard.bindery.retry-delay", "50",
                "switchboard.bindery.retry-max-delay", "1000",
                "switchboard.bindery.breaker-open-seconds", "2",
                "switchboard.mcp.rate-limit-per-second", "0"));
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
        fake.close();
    }

    JsonNode call(String tool, Object args) throws Exception {
        return mcp.callTool(tool, args).path("result");
    }

    JsonNode ok(String tool, Object args) throws Exception {
        JsonNode result = call(tool, args);
        assertThat(result.path("isError").asBoolean()).as(tool + " " + result).isFalse();
        return result.path("structuredContent");
    }

    String errorCode(String tool, Object args) throws Exception {
        JsonNode result = call(tool, args);
        assertThat(result.path("isError").asBoolean()).as(tool + " " + result).isTrue();
        return result.path("structuredContent").path("error_code").asText();
    }

    @Test
    @Order(1)
    void theRustBackendsShapesAreReadIntoOneShape() throws Exception {
        JsonNode created = ok("bindery_create_task", Map.of("task_input",
                Map.of("title", "rust task", "description", "kept?", "tags", List.of("a", "b"), "labels", Map.of("k", "v"))));
        String id = created.path("task").path("id").asText();
        // The summary's tags arrive as the JSON string "[\"a\",\"b\"]": the tool answers a list.
        assertThat(created.path("task").path("tags").isArray()).isTrue();
        assertThat(created.path("task").path("tags")).hasSize(2);
        JsonNode task = ok("bindery_get_task", Map.of("task_id", id)).path("task");
        assertThat(task.path("labels").path("k").asText()).isEqualTo("v");
        assertThat(ok("bindery_list_tasks", Map.of()).path("tasks").get(0).path("tags").isArray()).isTrue();

        // PUT keeps only title and status: the tool says so instead of pretending.
        JsonNode updated = ok("bindery_update_task", Map.of("task_id", id, "task_update",
                Map.of("title", "renamed", "description", "changed", "tags", List.of("c"))));
        assertThat(updated.path("task").path("title").asText()).isEqualTo("renamed");
        assertThat(updated.path("fields_not_saved").findValuesAsText("")).isEmpty();
        assertThat(updated.path("fields_not_saved").toString()).contains("description").contains("tags").doesNotContain("title");
        assertThat(updated.path("success").asBoolean()).isFalse();
        assertThat(updated.path("warning").asText()).contains("description");

        // execute sets the origin's in_progress; the tool leaves the task in doing.
        JsonNode executed = ok("bindery_execute_task", Map.of("task_id", id, "role_name", "coder"));
        assertThat(executed.path("status").asText()).isEqualTo("doing");
        assertThat(fake.requests()).anySatisfy(r -> {
            assertThat(r.method()).isEqualTo("PUT");
            assertThat(r.body()).contains("\"doing\"");
        });
        assertThat(ok("bindery_get_task", Map.of("task_id", id)).path("task").path("status").asText()).isEqualTo("doing");

        // Stubs answer what they answer; the tools do not fail on them.
        assertThat(ok("bindery_create_project", Map.of("project_input", Map.of("name", "p"))).path("project").path("name").asText())
                .isEqualTo("p");
        assertThat(ok("bindery_search_entities", Map.of("search_input", Map.of("query", "x"))).path("results")).isEmpty();
        assertThat(ok("bindery_health_check", Map.of()).path("backend").asText()).isEqualTo("external");
        // With an external backend configured, Switchboard serves none of its own.
        java.net.http.HttpResponse<String> embedded = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(switchboard.uri("/bindery/health")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(embedded.statusCode()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void serverErrorsAreRetriedUntilOneSucceeds() throws Exception {
        fake.reset();
        fake.fail(Fault.SERVER_ERROR, Fault.SERVER_ERROR);
        assertThat(ok("bindery_health_check", Map.of()).path("status").asText()).isEqualTo("healthy");
        assertThat(fake.requestCount()).isEqualTo(3);
    }

    @Test
    @Order(3)
    void aClientErrorIsAnAnswerNotRetried() throws Exception {
        fake.reset();
        assertThat(errorCode("bindery_get_task", Map.of("task_id", "no-such-task"))).isEqualTo("not_found");
        assertThat(fake.requestCount()).isEqualTo(1);
    }

    @Test
    @Order(4)
    void aTimeoutIsRetriedAndSlowAnswersLeaveNoCallStuck() throws Exception {
        fake.reset();
        fake.slowFor(1500);
        fake.fail(Fault.SLOW);
        long started = System.nanoTime();
        assertThat(ok("bindery_health_check", Map.of()).path("status").asText()).isEqualTo("healthy");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(500);
        assertThat(fake.requestCount()).isEqualTo(2);

        // Ten calls at once, each first answered too slowly: every one finishes (retried), none hangs.
        fake.reset();
        Fault[] slow = new Fault[10];
        Arrays.fill(slow, Fault.SLOW);
        fake.fail(slow);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return new McpHttp(switchboard.uri("/mcp")).initialize().callTool("bindery_health_check", Map.of());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            for (CompletableFuture<JsonNode> c : calls) {
                assertThat(c.get().path("result").path("isError").asBoolean()).as(c.get().toString()).isFalse();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(fake.requestCount()).isEqualTo(20);
    }

    @Test
    @Order(4)
    void aCreateThatTimedOutOrFailedIsNotSentTwice() throws Exception {
        // The backend may have saved it before it failed to answer: a second POST would save it twice.
        fake.reset();
        fake.slowFor(1500);
        fake.fail(Fault.SLOW);
        JsonNode slow = new McpHttp(switchboard.uri("/mcp")).initialize()
                .callTool("bindery_create_task", Map.of("task_input", Map.of("title", "once only"))).path("result");
        assertThat(slow.path("isError").asBoolean()).as(slow.toString()).isTrue();
        assertThat(fake.requests()).filteredOn(r -> r.method().equals("POST")).hasSize(1);

        fake.reset();
        fake.fail(Fault.SERVER_ERROR);
        JsonNode failed = new McpHttp(switchboard.uri("/mcp")).initialize()
                .callTool("bindery_create_task", Map.of("task_input", Map.of("title", "once only"))).path("result");
        assertThat(failed.path("isError").asBoolean()).as(failed.toString()).isTrue();
        assertThat(fake.requests()).filteredOn(r -> r.method().equals("POST")).hasSize(1);
        // A call that succeeds, so the breaker's window does not carry these two failures into the next test.
        assertThat(ok("bindery_health_check", Map.of()).path("status").asText()).isEqualTo("healthy");
    }

    @Test
    @Order(5)
    void retriesBackOffAndFiveFailedCallsOpenTheBreaker() throws Exception {
        fake.reset();
        fake.failAlways(Fault.SERVER_ERROR);
        assertThat(errorCode("bindery_health_check", Map.of())).isEqualTo("connection_error");
        // One call: the request and three redeliveries, each wait longer than the one before.
        assertThat(fake.requestCount()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(errorCode("bindery_health_check", Map.of())).isEqualTo("connection_error");
        }
        assertThat(fake.requestCount()).isEqualTo(20);

        // Open: refused at once, nothing sent.
        assertThat(errorCode("bindery_health_check", Map.of())).isEqualTo("circuit_open");
        assertThat(errorCode("bindery_create_task", Map.of("task_input", Map.of("title", "t")))).isEqualTo("circuit_open");
        assertThat(fake.requestCount()).isEqualTo(20);

        // Timed on the route itself (direct: runs in the calling thread). The 5 ms bound is on the
        // thread's CPU time, which says how much work an answer takes; wall time on this shared
        // 2-core machine also holds whatever else ran meanwhile, so it is only held to "no request,
        // no retry delay waited" (the first redelivery alone would wait 50 ms).
        ProducerTemplate route = switchboard.camel().createProducerTemplate();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20; i++) {
            route.send("direct:bindery_health_check", e -> e.getMessage().setBody(Map.of()));
        }
        long[] cpuMicros = new long[51];
        long[] wallMicros = new long[51];
        for (int i = 0; i < cpuMicros.length; i++) {
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Exchange ex = route.send("direct:bindery_health_check", e -> e.getMessage().setBody(Map.of()));
            wallMicros[i] = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
            cpuMicros[i] = TimeUnit.NANOSECONDS.toMicros(threads.getCurrentThreadCpuTime() - cpu0);
            assertThat(ex.getException()).isInstanceOf(CallNotPermittedException.class);
        }
        Arrays.sort(cpuMicros);
        Arrays.sort(wallMicros);
        System.out.printf("bindery: an open breaker answers in %d µs CPU, %d µs wall (medians of %d); %d µs wall at most%n",
                cpuMicros[25], wallMicros[25], wallMicros.length, wallMicros[wallMicros.length - 1]);
        assertThat(cpuMicros[25]).as("median CPU µs of an open breaker's answer").isLessThan(5_000);
        assertThat(wallMicros[25]).as("median wall µs of an open breaker's answer").isLessThan(50_000);
        assertThat(fake.requestCount()).isEqualTo(20);
        route.close();
    }

    @Test
    @Order(6)
    void afterTheOpenWaitOneProbeClosesTheBreaker() throws Exception {
        fake.reset();
        // While open every call is refused unsent; after two seconds one probe goes through and succeeds.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> !call("bindery_health_check", Map.of()).path("isError").asBoolean());
        assertThat(fake.requestCount()).isEqualTo(1);
        ok("bindery_health_check", Map.of());
        ok("bindery_health_check", Map.of());
        assertThat(fake.requestCount()).isEqualTo(3);
    }
}
