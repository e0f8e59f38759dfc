package io.switchboard.bindery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.testing.RunningSwitchboard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The embedded backend's HTTP API as any Bindery client sees it (spec/TOOLS.md, the Rust
 * backend's paths and shapes), called directly with an HTTP client, with tokens configured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BinderyBackendApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "bindery-test-token";
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    RunningSwitchboard switchboard;

    @BeforeAll
    void start() throws Exception {
        switchboard = RunningSwitchboard.start(Map.of("switchboard.mcp.token", TOKEN));
    }

    @AfterAll
    void stop() throws Exception {
        switchboard.close();
    }

    record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    }

    Answer call(String method, String path, Object body) throws Exception {
        return call(method, path, body, TOKEN);
    }

    Answer call(String method, String path, Object body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(switchboard.uri("/bindery" + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        String text = body == null ? "" : body instanceof String s ? s : JSON.writeValueAsString(body);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode node = r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body());
        return new Answer(r.statusCode(), node, r);
    }

    @Test
    void withoutTheTokenNothingIsServedAndTheTokenNeverEchoesBack() throws Exception {
        assertThat(call("GET", "/health", null, null).status()).isEqualTo(401);
        assertThat(call("GET", "/api/tasks", null, "wrong").status()).isEqualTo(401);
        Answer ok = call("GET", "/health", null);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.raw().headers().map().toString()).doesNotContain(TOKEN);
        assertThat(ok.raw().headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    }

    @Test
    void healthAndPoolEndpointsHaveTheRustShapes() throws Exception {
        JsonNode health = call("GET", "/health", null).body();
        assertThat(health.path("status").asText()).isIn("healthy", "warning");
        assertThat(health.path("service").asText()).isEqualTo("bindery");
        assertThat(health.path("version").asText()).isNotBlank();
        JsonNode db = health.path("database");
        assertThat(db.path("pool_healthy").isBoolean()).isTrue();
        assertThat(db.path("max_connections").asInt()).isPositive();
        assertThat(db.has("active_connections")).isTrue();
        assertThat(db.has("utilization_percent")).isTrue();
        JsonNode metrics = call("GET", "/api/pool/metrics", null).body();
        assertThat(metrics.path("max_connections").asInt()).isEqualTo(db.path("max_connections").asInt());
        JsonNode poolHealth = call("GET", "/api/pool/health", null).body();
        assertThat(poolHealth.path("healthy").asBoolean()).isTrue();
        assertThat(poolHealth.path("recommendations").isArray()).isTrue();
    }

    @Test
    void taskLifeCycleOverRest() throws Exception {
        Map<String, Object> input = Map.of("title", "Ship the \"v2\" release; DROP TABLE tasks; --",
                "description", "<b>bold</b> & 'quoted' text", "priority", "high", "status", "todo",
                "tags", List.of("release", "q4"), "labels", Map.of("team", "core", "points", 5),
                "project_id", "proj-1", "due_date", "2020-01-01",
                "subtasks", List.of(Map.of("title", "child one", "subtasks", List.of(Map.of("title", "grandchild"))),
                        Map.of("title", "child two")));
        Answer created = call("POST", "/api/tasks", input);
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        JsonNode task = created.body();
        String id = task.path("id").asText();
        assertThat(task.path("title").asText()).isEqualTo(input.get("title"));
        assertThat(task.path("description").asText()).isEqualTo(input.get("description"));
        assertThat(task.path("tags")).hasSize(2);
        assertThat(task.path("labels").path("points").asInt()).isEqualTo(5);
        assertThat(task.path("due_date").asText()).isEqualTo("2020-01-01T00:00:00Z");
        assertThat(task.path("subtasks")).hasSize(2);
        assertThat(task.path("subtasks").get(0).path("subtasks").get(0).path("title").asText()).isEqualTo("grandchild");

        JsonNode got = call("GET", "/api/tasks/" + id, null).body();
        assertThat(got.path("title").asText()).isEqualTo(input.get("title"));
        assertThat(got.path("parent_id").isNull()).isTrue();

        JsonNode list = call("GET", "/api/tasks?project_id=proj-1", null).body();
        assertThat(list.path("total").asInt()).isEqualTo(1);
        assertThat(list.path("items").get(0).path("id").asText()).isEqualTo(id);
        assertThat(call("GET", "/api/tasks?parent_id=" + id, null).body().path("total").asInt()).isEqualTo(2);

        Answer updated = call("PUT", "/api/tasks/" + id, Map.of("description", "changed", "tags", List.of("x"), "status", "blocked"));
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.body().path("description").asText()).isEqualTo("changed");
        assertThat(updated.body().path("tags").get(0).asText()).isEqualTo("x");
        assertThat(updated.body().path("status").asText()).isEqualTo("blocked");
        assertThat(updated.body().path("title").asText()).isEqualTo(input.get("title"));

        JsonNode executed = call("POST", "/api/tasks/" + id + "/execute", Map.of("role", "coder")).body();
        assertThat(executed.path("success").asBoolean()).isTrue();
        assertThat(executed.path("task_id").asText()).isEqualTo(id);
        assertThat(executed.path("role_assigned").asText()).isEqualTo("coder");
        assertThat(executed.path("execution_id").asText()).isNotBlank();
        assertThat(call("GET", "/api/tasks/" + id, null).body().path("status").asText()).isEqualTo("doing");

        assertThat(call("POST", "/api/tasks/" + id + "/assign-role", Map.of("role", "nobody")).status()).isEqualTo(400);
        assertThat(call("POST", "/api/tasks/" + id + "/assign-role", Map.of("role", "reviewer")).body()
                .path("role_assigned").asText()).isEqualTo("reviewer");

        JsonNode deleted = call("DELETE", "/api/tasks/" + id, null).body();
        assertThat(deleted.path("deleted").asInt()).isEqualTo(4);
        assertThat(call("GET", "/api/tasks/" + id, null).status()).isEqualTo(404);
        assertThat(call("GET", "/api/tasks?parent_id=" + id, null).body().path("total").asInt()).isZero();
    }

    @Test
    void badRequestsAreRefusedWithTheirReason() throws Exception {
        Answer noTitle = call("POST", "/api/tasks", Map.of("description", "x"));
        assertThat(noTitle.status()).isEqualTo(400);
        assertThat(noTitle.body().path("message").asText()).contains("$.title");
        assertThat(call("POST", "/api/tasks", Map.of("title", "t", "status", "in_progress")).status()).isEqualTo(400);
        assertThat(call("POST", "/api/tasks", "{not json").status()).isEqualTo(400);
        assertThat(call("POST", "/api/tasks", Map.of("title", "t", "__proto__", Map.of())).status()).isEqualTo(400);
        assertThat(call("GET", "/api/tasks/does-not-exist", null).status()).isEqualTo(404);
        Answer traversal = call("GET", "/api/tasks/..%2F..%2Fetc", null);
        assertThat(traversal.status()).isIn(400, 404);
    }

    @Test
    void rolesProjectsSearchIndexAndStats() throws Exception {
        JsonNode roles = call("GET", "/api/roles", null).body();
        assertThat(roles.path("success").asBoolean()).isTrue();
        assertThat(roles.path("total_roles").asInt()).isEqualTo(roles.path("roles").size()).isPositive();
        assertThat(roles.path("roles").get(0).path("capabilities").isArray()).isTrue();

        Answer project = call("POST", "/api/projects", Map.of("name", "Apollo", "description", "moonshot quaternion", "tags", List.of("space")));
        assertThat(project.status()).isEqualTo(201);
        assertThat(project.body().path("id").asText()).isNotBlank();

        call("POST", "/api/tasks", Map.of("title", "Calibrate", "description", "the xylophonist needs tuning"));
        String filler = "lorem ipsum dolor sit amet ".repeat(100);
        Answer indexed = call("POST", "/api/rag/index", Map.of("title", "Handbook", "content", filler + " zeppelinographer " + filler,
                "document_type", "markdown"));
        assertThat(indexed.status()).isEqualTo(201);
        assertThat(indexed.body().path("chunks").asInt()).isGreaterThan(3);

        JsonNode hits = call("POST", "/api/search", Map.of("query", "xylophonist")).body();
        assertThat(hits.path("results")).hasSize(1);
        assertThat(hits.path("results").get(0).path("entity_type").asText()).isEqualTo("task");
        assertThat(hits.path("results").get(0).path("snippet").asText()).contains("xylophonist");
        assertThat(hits.path("results").get(0).path("score").asDouble()).isPositive();
        JsonNode doc = call("POST", "/api/search", Map.of("query", "zeppelinographer")).body();
        assertThat(doc.path("results")).hasSize(1);
        assertThat(doc.path("results").get(0).path("entity_type").asText()).isEqualTo("note");
        assertThat(doc.path("results").get(0).path("id").asText()).isEqualTo(indexed.body().path("document_id").asText());
        JsonNode onlyProjects = call("POST", "/api/search", Map.of("query", "quaternion", "entity_types", List.of("project"))).body();
        assertThat(onlyProjects.path("results")).hasSize(1);
        assertThat(call("POST", "/api/search", Map.of("query", "quaternion", "entity_types", List.of("task"))).body()
                .path("results")).isEmpty();
        // Query syntax typed by a user is text, not FTS operators.
        assertThat(call("POST", "/api/search", Map.of("query", "title:\"x\" OR NEAR(")).status()).isEqualTo(200);

        JsonNode stats = call("GET", "/api/dashboard/stats", null).body();
        for (String key : List.of("total_tasks", "status_breakdown", "priority_breakdown", "recent_tasks", "overdue_tasks",
                "upcoming_tasks", "project_breakdown", "completion_rate", "average_completion_time")) {
            assertThat(stats.has(key)).as(key).isTrue();
        }
        assertThat(stats.path("total_tasks").asInt()).isEqualTo(call("GET", "/api/tasks", null).body().path("total").asInt());
    }

    @Test
    void jsonRpcAnswersLikeTheRestPaths() throws Exception {
        JsonNode created = call("POST", "/rpc", Map.of("jsonrpc", "2.0", "id", 7, "method", "create_task",
                "params", Map.of("title", "via rpc"))).body();
        assertThat(created.path("id").asInt()).isEqualTo(7);
        String id = created.path("result").path("id").asText();
        JsonNode got = call("POST", "/rpc", Map.of("jsonrpc", "2.0", "id", "a", "method", "get_task",
                "params", Map.of("task_id", id))).body();
        assertThat(got.path("result").path("title").asText()).isEqualTo("via rpc");
        assertThat(call("POST", "/rpc", Map.of("jsonrpc", "2.0", "id", 1, "method", "nope")).body()
                .path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(call("POST", "/rpc", "{oops").body().path("error").path("code").asInt()).isEqualTo(-32700);
        assertThat(call("POST", "/rpc", Map.of("jsonrpc", "2.0", "id", 2, "method", "create_task", "params", Map.of()))
                .body().path("error").path("code").asInt()).isEqualTo(-32602);
        JsonNode batch = call("POST", "/rpc", List.of(Map.of("jsonrpc", "2.0", "id", 1, "method", "list_roles"),
                Map.of("jsonrpc", "2.0", "method", "health"))).body();
        assertThat(batch).hasSize(1);
    }
}
