package io.switchboard.bindery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.Database;
import io.switchboard.testing.DatabaseLogin;
import io.switchboard.testing.McpHttp;
import io.switchboard.testing.RunningSwitchboard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bindery's whole task life cycle as an MCP client lives it, through the tools on /mcp and
 * /mcp/bindery against the embedded backend, on SQLite and on PostgreSQL: every field round-trips,
 * an update is visible at once (the cache is emptied), search finds words in a description and in
 * an indexed document, statistics match the tasks, delete cascades, a restart keeps everything,
 * and the seed's adversarial shapes are refused with validation_error naming the path.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Database.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BinderyLifecycleTest {

    @Parameter
    Database database;

    DatabaseLogin login;
    RunningSwitchboard switchboard;
    McpHttp mcp;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        login = database.create();
        startSwitchboard(null);
    }

    private void startSwitchboard(RunningSwitchboard previous) throws Exception {
        Map<String, String> settings = new HashMap<>(login.settings());
        settings.put("switchboard.mcp.rate-limit-per-second", "0");
        if (previous != null) {
            settings.put("switchboard.data.dir", previous.dataDir().toString());
        }
        switchboard = RunningSwitchboard.start(settings);
        mcp = new McpHttp(switchboard.uri("/mcp")).initialize();
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        switchboard.close();
    }

    /** The tool's structured result; fails the test when the call failed. */
    JsonNode ok(String tool, Object args) throws Exception {
        JsonNode result = mcp.callTool(tool, args).path("result");
        assertThat(result.path("isError").asBoolean()).as(tool + " " + result).isFalse();
        return result.path("structuredContent");
    }

    /** The error envelope of a call that must fail. */
    JsonNode failure(String tool, Object args) throws Exception {
        JsonNode result = mcp.callTool(tool, args).path("result");
        assertThat(result.path("isError").asBoolean()).as(tool + " " + result).isTrue();
        return result.path("structuredContent");
    }

    static final String TRICKY_TITLE = "Fix \"quotes\" & <script>alert('x')</script>; DROP TABLE bindery_tasks; -- ünïcødé";

    @Test
    void everyFieldRoundTripsAndTextIsKeptVerbatim() throws Exception {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("title", TRICKY_TITLE);
        input.put("description", "Line one\nLine two with 'single' and \"double\" quotes, \\ backslash, 1=1 OR '1'='1'");
        input.put("priority", "urgent");
        input.put("status", "blocked");
        input.put("tags", List.of("alpha", "β", "<b>"));
        input.put("labels", Map.of("team", "core", "points", 8, "billable", true));
        input.put("project_id", "roundtrip-project");
        input.put("due_date", "2031-05-06T07:08:09Z");
        input.put("assignee", "architect");
        input.put("subtasks", List.of(Map.of("title", "first child", "priority", "low",
                "subtasks", List.of(Map.of("title", "grandchild", "tags", List.of("deep")))), Map.of("title", "second child")));
        // task_input as a JSON string, as LLM clients often send it.
        JsonNode created = ok("bindery_create_task", Map.of("task_input", McpHttp.JSON.writeValueAsString(input)));
        String id = created.path("task").path("id").asText();
        assertThat(id).isNotBlank();

        JsonNode task = ok("bindery_get_task", Map.of("task_id", id)).path("task");
        assertThat(task.path("title").asText()).isEqualTo(TRICKY_TITLE);
        assertThat(task.path("description").asText()).isEqualTo(input.get("description"));
        assertThat(task.path("priority").asText()).isEqualTo("urgent");
        assertThat(task.path("status").asText()).isEqualTo("blocked");
        assertThat(McpHttp.JSON.convertValue(task.path("tags"), List.class)).isEqualTo(input.get("tags"));
        assertThat(McpHttp.JSON.convertValue(task.path("labels"), Map.class)).isEqualTo(input.get("labels"));
        assertThat(task.path("project_id").asText()).isEqualTo("roundtrip-project");
        assertThat(task.path("due_date").asText()).isEqualTo("2031-05-06T07:08:09Z");
        assertThat(task.path("assignee").asText()).isEqualTo("architect");
        assertThat(task.path("created_at").asText()).isNotBlank();
        assertThat(task.path("subtasks")).hasSize(2);
        JsonNode first = task.path("subtasks").get(0);
        assertThat(first.path("title").asText()).isEqualTo("first child");
        assertThat(first.path("priority").asText()).isEqualTo("low");
        assertThat(first.path("parent_id").asText()).isEqualTo(id);
        assertThat(first.path("subtasks").get(0).path("tags").get(0).asText()).isEqualTo("deep");

        // The same tool under the origin's name on the system's own endpoint.
        McpHttp origin = new McpHttp(switchboard.uri("/mcp/bindery")).initialize();
        JsonNode viaOrigin = origin.callTool("get_task", Map.of("task_id", id)).path("result").path("structuredContent");
        assertThat(viaOrigin.path("task").path("title").asText()).isEqualTo(TRICKY_TITLE);
    }

    @Test
    void anUpdateIsVisibleAtOnceAndNothingIsReportedLost() throws Exception {
        String id = ok("bindery_create_task", Map.of("task_input", Map.of("title", "cache me"))).path("task").path("id").asText();
        assertThat(ok("bindery_get_task", Map.of("task_id", id)).path("task").path("status").asText()).isEqualTo("todo");
        // Read twice: the second answer comes from the cache.
        ok("bindery_get_task", Map.of("task_id", id));
        JsonNode updated = ok("bindery_update_task", Map.of("task_id", id, "task_update",
                Map.of("title", "cached no more", "description", "new words", "priority", "high", "tags", List.of("t1"),
                        "labels", Map.of("k", "v"), "status", "doing")));
        assertThat(updated.path("fields_not_saved")).isEmpty();
        assertThat(updated.path("success").asBoolean()).isTrue();
        JsonNode task = ok("bindery_get_task", Map.of("task_id", id)).path("task");
        assertThat(task.path("title").asText()).isEqualTo("cached no more");
        assertThat(task.path("description").asText()).isEqualTo("new words");
        assertThat(task.path("priority").asText()).isEqualTo("high");
        assertThat(task.path("status").asText()).isEqualTo("doing");
        assertThat(ok("bindery_list_tasks", Map.of("status", "doing")).path("tasks").findValuesAsText("id")).contains(id);

        JsonNode completed = ok("bindery_complete_task", Map.of("task_id", id, "completion_notes", "done & dusted"));
        assertThat(completed.path("task").path("status").asText()).isEqualTo("done");
        assertThat(completed.path("task").path("completion_notes").asText()).isEqualTo("done & dusted");
        assertThat(completed.path("task").path("completed_at").asText()).isNotBlank();
        assertThat(completed.path("fields_not_saved")).isEmpty();
    }

    @Test
    void rolesExecutionAndAssignment() throws Exception {
        JsonNode roles = ok("bindery_list_roles", Map.of());
        assertThat(roles.path("total_roles").asInt()).isPositive();
        String role = roles.path("roles").get(0).path("name").asText();
        String id = ok("bindery_create_task", Map.of("task_input", Map.of("title", "run me"))).path("task").path("id").asText();
        JsonNode executed = ok("bindery_execute_task", Map.of("task_id", id, "role_name", role));
        assertThat(executed.path("status").asText()).isEqualTo("doing");
        assertThat(executed.path("execution_id").asText()).isNotBlank();
        assertThat(executed.path("role_assigned").asText()).isEqualTo(role);
        assertThat(ok("bindery_get_task", Map.of("task_id", id)).path("task").path("status").asText()).isEqualTo("doing");
        assertThat(ok("bindery_assign_role_to_task", Map.of("task_id", id, "role_name", "reviewer")).path("role_assigned").asText())
                .isEqualTo("reviewer");
        assertThat(ok("bindery_get_task", Map.of("task_id", id)).path("task").path("assignee").asText()).isEqualTo("reviewer");
        assertThat(failure("bindery_assign_role_to_task", Map.of("task_id", id, "role_name", "overlord")).path("error_code").asText())
                .isEqualTo("validation_error");
        assertThat(failure("bindery_execute_task", Map.of("task_id", "no-such-task", "role_name", role)).path("error_code").asText())
                .isEqualTo("not_found");
    }

    @Test
    void searchFindsWordsInDescriptionsProjectsAndIndexedDocuments() throws Exception {
        String task = ok("bindery_create_task", Map.of("task_input", Map.of("title", "Plain title",
                "description", "only the description mentions the word marzipanmaker"))).path("task").path("id").asText();
        JsonNode project = ok("bindery_create_project", Map.of("project_input",
                Map.of("name", "Bakery", "description", "a project about marzipanmaker tools", "tags", List.of("food"))));
        String projectId = project.path("project").path("id").asText();
        String filler = "The quick brown fox jumps over the lazy dog. ".repeat(60);
        JsonNode indexed = ok("bindery_index_document", Map.of("document_input", Map.of("title", "Long handbook",
                "content", filler + "Somewhere deep inside lives the word quokkalogist. " + filler, "document_type", "markdown")));
        assertThat(indexed.path("chunks").asInt()).isGreaterThan(1);

        JsonNode hits = ok("bindery_search_entities", Map.of("search_input", Map.of("query", "marzipanmaker")));
        assertThat(hits.path("results").findValuesAsText("id")).contains(task, projectId);
        JsonNode hit = hits.path("results").get(0);
        assertThat(hit.path("snippet").asText()).containsIgnoringCase("marzipanmaker");
        assertThat(hit.path("score").asDouble()).isPositive();

        JsonNode doc = ok("bindery_search_entities", Map.of("search_input", Map.of("query", "quokkalogist")));
        assertThat(doc.path("results")).hasSize(1);
        assertThat(doc.path("results").get(0).path("entity_type").asText()).isEqualTo("note");
        assertThat(doc.path("results").get(0).path("id").asText()).isEqualTo(indexed.path("document_id").asText());
        assertThat(doc.path("results").get(0).path("snippet").asText()).containsIgnoringCase("quokkalogist");

        JsonNode onlyTasks = ok("bindery_search_entities", Map.of("search_input",
                Map.of("query", "marzipanmaker", "entity_types", List.of("task"))));
        assertThat(onlyTasks.path("results").findValuesAsText("entity_type")).containsOnly("task");

        // A word written after the first search is found at once (the cached answer is dropped).
        ok("bindery_update_task", Map.of("task_id", task, "task_update", Map.of("description", "now about quokkalogist too")));
        assertThat(ok("bindery_search_entities", Map.of("search_input", Map.of("query", "quokkalogist")))
                .path("results").findValuesAsText("id")).contains(task);
    }

    @Test
    void dashboardStatisticsMatchTheTasks() throws Exception {
        ok("bindery_create_task", Map.of("task_input", Map.of("title", "overdue one", "due_date", "2001-01-01", "priority", "high")));
        String doneId = ok("bindery_create_task", Map.of("task_input", Map.of("title", "to finish"))).path("task").path("id").asText();
        ok("bindery_complete_task", Map.of("task_id", doneId));
        JsonNode stats = ok("bindery_get_dashboard_stats", Map.of());
        // Every task, read with list_tasks (nested subtasks included: they are tasks too).
        JsonNode all = ok("bindery_list_tasks", Map.of());
        int total = all.path("total").asInt();
        assertThat(stats.path("total_tasks").asInt()).isEqualTo(total);
        Map<String, Integer> byStatus = new HashMap<>();
        Map<String, Integer> byPriority = new HashMap<>();
        int overdue = 0;
        for (JsonNode t : all.path("tasks")) {
            byStatus.merge(t.path("status").asText(), 1, Integer::sum);
            byPriority.merge(t.path("priority").asText(), 1, Integer::sum);
            if (t.hasNonNull("due_date") && t.path("due_date").asText().compareTo(java.time.Instant.now().toString()) < 0
                    && !List.of("done", "cancelled").contains(t.path("status").asText())) {
                overdue++;
            }
        }
        byStatus.forEach((s, n) -> assertThat(stats.path("status_breakdown").path(s).asInt()).as(s).isEqualTo(n));
        byPriority.forEach((p, n) -> assertThat(stats.path("priority_breakdown").path(p).asInt()).as(p).isEqualTo(n));
        assertThat(stats.path("overdue_count").asInt()).isEqualTo(overdue).isPositive();
        assertThat(stats.path("overdue_tasks").findValuesAsText("title")).contains("overdue one");
        double rate = Math.round(byStatus.getOrDefault("done", 0) * 1000.0 / total) / 10.0;
        assertThat(stats.path("completion_rate").asDouble()).isEqualTo(rate);
        assertThat(stats.path("average_completion_time").isNumber()).isTrue();
    }

    @Test
    void deleteCascadesToEverySubtask() throws Exception {
        JsonNode created = ok("bindery_create_task", Map.of("task_input", Map.of("title", "parent",
                "subtasks", List.of(Map.of("title", "child", "subtasks", List.of(Map.of("title", "grandchild")))))));
        String parent = created.path("task").path("id").asText();
        String child = created.path("task").path("subtasks").get(0).path("id").asText();
        String grandchild = created.path("task").path("subtasks").get(0).path("subtasks").get(0).path("id").asText();
        ok("bindery_get_task", Map.of("task_id", grandchild));
        JsonNode deleted = ok("bindery_delete_task", Map.of("task_id", parent));
        assertThat(deleted.path("deleted").asInt()).isEqualTo(3);
        for (String id : List.of(parent, child, grandchild)) {
            assertThat(failure("bindery_get_task", Map.of("task_id", id)).path("error_code").asText()).isEqualTo("not_found");
        }
        assertThat(failure("bindery_delete_task", Map.of("task_id", parent)).path("error_code").asText()).isEqualTo("not_found");
    }

    @Test
    void aRestartKeepsEverything() throws Exception {
        String id = ok("bindery_create_task", Map.of("task_input", Map.of("title", TRICKY_TITLE, "tags", List.of("kept"),
                "subtasks", List.of(Map.of("title", "kept child"))))).path("task").path("id").asText();
        String doc = ok("bindery_index_document", Map.of("document_input", Map.of("title", "kept doc",
                "content", "the persistent word wombatwrangler"))).path("document_id").asText();
        RunningSwitchboard previous = switchboard;
        previous.close();
        startSwitchboard(previous);
        JsonNode task = ok("bindery_get_task", Map.of("task_id", id)).path("task");
        assertThat(task.path("title").asText()).isEqualTo(TRICKY_TITLE);
        assertThat(task.path("tags").get(0).asText()).isEqualTo("kept");
        assertThat(task.path("subtasks").get(0).path("title").asText()).isEqualTo("kept child");
        assertThat(ok("bindery_search_entities", Map.of("search_input", Map.of("query", "wombatwrangler")))
                .path("results").findValuesAsText("id")).containsExactly(doc);
    }

    @Test
    void theSeedsAdversarialShapesAreRefusedNamingThePath() throws Exception {
        // JSON nesting deeper than 10, inside an object argument sent as a JSON string.
        Object deep = "bottom";
        for (int i = 0; i < 12; i++) {
            deep = Map.of("x", deep);
        }
        JsonNode tooDeep = failure("bindery_create_task", Map.of("task_input",
                McpHttp.JSON.writeValueAsString(Map.of("title", "t", "labels", deep))));
        assertThat(tooDeep.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(tooDeep.path("error").asText()).contains("$.task_input.labels");

        JsonNode longString = failure("bindery_create_task", Map.of("task_input",
                McpHttp.JSON.writeValueAsString(Map.of("title", "x".repeat(10_001)))));
        assertThat(longString.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(longString.path("error").asText()).contains("$.task_input.title");

        JsonNode manyTags = failure("bindery_create_task", Map.of("task_input",
                Map.of("title", "t", "tags", java.util.Collections.nCopies(1001, "tag"))));
        assertThat(manyTags.path("error").asText()).contains("$.task_input.tags");

        Map<String, Object> manyKeys = new HashMap<>();
        for (int i = 0; i < 101; i++) {
            manyKeys.put("k" + i, i);
        }
        JsonNode wide = failure("bindery_create_task", Map.of("task_input", Map.of("title", "t", "labels", manyKeys)));
        assertThat(wide.path("error").asText()).contains("$.task_input.labels");

        for (String key : List.of("__proto__", "constructor", "prototype")) {
            JsonNode polluted = failure("bindery_create_task", Map.of("task_input",
                    "{\"title\":\"t\",\"labels\":{\"" + key + "\":{\"admin\":true}}}"));
            assertThat(polluted.path("error_code").asText()).as(key).isEqualTo("validation_error");
            assertThat(polluted.path("error").asText()).as(key).contains("$.task_input.labels").contains(key);
        }

        // Subtasks nested past ten levels; each level costs two JSON levels (list, object), so the
        // JSON depth limit already refuses them, naming where.
        Map<String, Object> task = Map.of("title", "leaf");
        for (int i = 0; i < 11; i++) {
            task = Map.of("title", "level " + i, "subtasks", List.of(task));
        }
        JsonNode nested = failure("bindery_create_task", Map.of("task_input", task));
        assertThat(nested.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(nested.path("error").asText()).contains("$.task_input.subtasks[0]");

        JsonNode badStatus = failure("bindery_create_task", Map.of("task_input", Map.of("title", "t", "status", "in_progress")));
        assertThat(badStatus.path("error_code").asText()).isEqualTo("validation_error");
        assertThat(badStatus.path("error").asText()).contains("$.task_input.status");
        assertThat(failure("bindery_get_task", Map.of("task_id", "../../etc/passwd")).path("error").asText())
                .contains("$.task_id");
        JsonNode notJson = failure("bindery_create_task", Map.of("task_input", "{not json"));
        assertThat(notJson.path("error_code").asText()).isEqualTo("validation_error");
        // Nothing of the refused shapes was stored.
        assertThat(ok("bindery_search_entities", Map.of("search_input", Map.of("query", "leaf"))).path("results")).isEmpty();
    }

    @Test
    void healthCheckNamesTheBackend() throws Exception {
        JsonNode health = ok("bindery_health_check", Map.of());
        assertThat(health.path("status").asText()).isEqualTo("healthy");
        assertThat(health.path("backend").asText()).isEqualTo("embedded");
        assertThat(health.path("backend_health").path("database").path("pool_healthy").asBoolean()).isTrue();
    }
}
