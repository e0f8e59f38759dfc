package io.switchboard.bindery;

import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The embedded backend's tasks (POST/GET/PUT/DELETE /api/tasks, execute, assign-role): rows in
 * bindery_tasks through prepared statements, every field saved, subtasks created with their
 * parent in one transaction and deleted with it (ON DELETE CASCADE).
 */
public final class BinderyTasks {

    private static final String COLUMNS = "id, title, description, status, priority, parent_id, project_id, assignee, "
            + "tags, labels, due_date, completion_notes, execution_id, created_at, updated_at, completed_at";

    private final NamedParameterJdbcTemplate db;
    private final TransactionTemplate transactions;
    private final Json json;
    private final BinderyRoles roles;

    BinderyTasks(NamedParameterJdbcTemplate db, TransactionTemplate transactions, Json json, BinderyRoles roles) {
        this.db = db;
        this.transactions = transactions;
        this.json = json;
        this.roles = roles;
    }

    /** POST /api/tasks: the task and its subtasks (any depth up to ten), created together. */
    public Map<String, Object> create(Map<String, Object> input) {
        TaskFields.checkNesting(input, "$", 1);
        String parentId = TaskFields.optionalId(input.get("parent_id"), "$.parent_id");
        return transactions.execute(tx -> {
            if (parentId != null) {
                requireExists(parentId);
            }
            String id = insert(input, parentId, 0, "$", System.currentTimeMillis());
            return load(id);
        });
    }

    private String insert(Map<?, ?> input, String parentId, int position, String path, long now) {
        String id = UUID.randomUUID().toString();
        String status = TaskFields.oneOf(input.get("status"), TaskFields.STATUSES, "todo", path + ".status");
        MapSqlParameterSource row = new MapSqlParameterSource()
                .addValue("id", id)
                .addValue("title", TaskFields.requiredText(input.get("title"), path + ".title"))
                .addValue("description", TaskFields.optionalText(input.get("description"), path + ".description"))
                .addValue("status", status)
                .addValue("priority", TaskFields.oneOf(input.get("priority"), TaskFields.PRIORITIES, "normal", path + ".priority"))
                .addValue("parent_id", parentId)
                .addValue("position", position)
                .addValue("project_id", TaskFields.optionalId(input.get("project_id"), path + ".project_id"))
                .addValue("assignee", TaskFields.optionalText(input.get("assignee"), path + ".assignee"))
                .addValue("tags", json.write(TaskFields.tags(input.get("tags"), path + ".tags")))
                .addValue("labels", json.write(TaskFields.labels(input.get("labels"), path + ".labels")))
                .addValue("due_date", TaskFields.dueDate(input.get("due_date"), path + ".due_date"))
                .addValue("completion_notes", TaskFields.optionalText(input.get("completion_notes"), path + ".completion_notes"))
                .addValue("created_at", now)
                .addValue("updated_at", now)
                .addValue("completed_at", "done".equals(status) ? now : null);
        db.update("INSERT INTO bindery_tasks (id, title, description, status, priority, parent_id, position, project_id, assignee, "
                + "tags, labels, due_date, completion_notes, created_at, updated_at, completed_at) VALUES (:id, :title, "
                + ":description, :status, :priority, :parent_id, :position, :project_id, :assignee, :tags, :labels, :due_date, "
                + ":completion_notes, :created_at, :updated_at, :completed_at)", row);
        if (input.get("subtasks") instanceof List<?> subtasks) {
            for (int i = 0; i < subtasks.size(); i++) {
                insert((Map<?, ?>) subtasks.get(i), id, i, path + ".subtasks[" + i + "]", now);
            }
        }
        return id;
    }

    /** GET /api/tasks/{id}: every field, with the subtasks beneath it. */
    public Map<String, Object> get(String id) {
        TaskFields.id(id, "id");
        return load(id);
    }

    /** GET /api/tasks: {items, total}, newest first, filtered by project and status. */
    public Map<String, Object> list(String projectId, String status, String parentId, Object limit, Object offset) {
        MapSqlParameterSource p = new MapSqlParameterSource()
                .addValue("project_id", projectId == null || projectId.isBlank() ? null : TaskFields.id(projectId, "project_id"))
                .addValue("status", status == null || status.isBlank() ? null
                        : TaskFields.oneOf(status, TaskFields.STATUSES, null, "status"))
                .addValue("parent_id", parentId == null || parentId.isBlank() ? null : TaskFields.id(parentId, "parent_id"))
                .addValue("limit", TaskFields.limit(limit, 100, 1000, "limit"))
                .addValue("offset", offset == null || "".equals(offset) ? 0 : TaskFields.limit(offset, 0, 1_000_000, "offset"));
        String where = " FROM bindery_tasks WHERE (CAST(:project_id AS VARCHAR(64)) IS NULL OR project_id = :project_id)"
                + " AND (CAST(:status AS VARCHAR(16)) IS NULL OR status = :status)"
                + " AND (CAST(:parent_id AS VARCHAR(64)) IS NULL OR parent_id = :parent_id)";
        List<Map<String, Object>> items = db.query("SELECT " + COLUMNS + where
                + " ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset", p, (rs, n) -> TaskRows.read(rs, json));
        Long total = db.queryForObject("SELECT COUNT(*)" + where, p, Long.class);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("items", items);
        result.put("total", total == null ? 0 : total);
        return result;
    }

    /** PUT /api/tasks/{id}: every field the body names is saved (unlike the Rust backend's title and status). */
    public Map<String, Object> update(String id, Map<String, Object> changes) {
        TaskFields.id(id, "id");
        return transactions.execute(tx -> {
            Map<String, Object> current = load(id);
            long now = System.currentTimeMillis();
            String status = TaskFields.oneOf(changes.getOrDefault("status", current.get("status")), TaskFields.STATUSES,
                    null, "$.status");
            Long completedAt = current.get("completed_at") == null ? null : Instant.parse((String) current.get("completed_at")).toEpochMilli();
            if ("done".equals(status) && completedAt == null) {
                completedAt = now;
            } else if (!"done".equals(status)) {
                completedAt = null;
            }
            MapSqlParameterSource row = new MapSqlParameterSource()
                    .addValue("id", id)
                    .addValue("title", changes.containsKey("title") ? TaskFields.requiredText(changes.get("title"), "$.title") : current.get("title"))
                    .addValue("description", changes.containsKey("description")
                            ? TaskFields.optionalText(changes.get("description"), "$.description") : current.get("description"))
                    .addValue("status", status)
                    .addValue("priority", TaskFields.oneOf(changes.getOrDefault("priority", current.get("priority")),
                            TaskFields.PRIORITIES, null, "$.priority"))
                    .addValue("project_id", changes.containsKey("project_id")
                            ? TaskFields.optionalId(changes.get("project_id"), "$.project_id") : current.get("project_id"))
                    .addValue("assignee", changes.containsKey("assignee")
                            ? TaskFields.optionalText(changes.get("assignee"), "$.assignee") : current.get("assignee"))
                    .addValue("tags", json.write(changes.containsKey("tags")
                            ? TaskFields.tags(changes.get("tags"), "$.tags") : current.get("tags")))
                    .addValue("labels", json.write(changes.containsKey("labels")
                            ? TaskFields.labels(changes.get("labels"), "$.labels") : current.get("labels")))
                    .addValue("due_date", changes.containsKey("due_date")
                            ? TaskFields.dueDate(changes.get("due_date"), "$.due_date")
                            : TaskFields.dueDate(current.get("due_date"), "$.due_date"))
                    .addValue("completion_notes", changes.containsKey("completion_notes")
                            ? TaskFields.optionalText(changes.get("completion_notes"), "$.completion_notes") : current.get("completion_notes"))
                    .addValue("updated_at", now)
                    .addValue("completed_at", completedAt);
            db.update("UPDATE bindery_tasks SET title = :title, description = :description, status = :status, "
                    + "priority = :priority, project_id = :project_id, assignee = :assignee, tags = :tags, labels = :labels, "
                    + "due_date = :due_date, completion_notes = :completion_notes, updated_at = :updated_at, "
                    + "completed_at = :completed_at WHERE id = :id", row);
            return load(id);
        });
    }

    /** DELETE /api/tasks/{id}: the task and every subtask beneath it. */
    public Map<String, Object> delete(String id) {
        TaskFields.id(id, "id");
        return transactions.execute(tx -> {
            int subtree = subtreeIds(id).size();
            int deleted = db.update("DELETE FROM bindery_tasks WHERE id = :id", new MapSqlParameterSource("id", id));
            if (deleted == 0) {
                throw notFound(id);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("success", true);
            result.put("task_id", id);
            result.put("deleted", subtree);
            return result;
        });
    }

    /** POST /api/tasks/{id}/execute {role}: the role takes the task and it is being worked on (doing). */
    public Map<String, Object> execute(String id, Map<String, Object> body) {
        TaskFields.id(id, "id");
        String role = roles.require(body.get("role"), "$.role");
        String executionId = UUID.randomUUID().toString();
        int updated = db.update("UPDATE bindery_tasks SET status = 'doing', assignee = :role, execution_id = :execution_id, "
                        + "completed_at = NULL, updated_at = :now WHERE id = :id",
                new MapSqlParameterSource().addValue("role", role).addValue("execution_id", executionId)
                        .addValue("now", System.currentTimeMillis()).addValue("id", id));
        if (updated == 0) {
            throw notFound(id);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("task_id", id);
        result.put("role_assigned", role);
        result.put("execution_id", executionId);
        result.put("status", "doing");
        return result;
    }

    /** POST /api/tasks/{id}/assign-role {role}. */
    public Map<String, Object> assignRole(String id, Map<String, Object> body) {
        TaskFields.id(id, "id");
        String role = roles.require(body.get("role"), "$.role");
        int updated = db.update("UPDATE bindery_tasks SET assignee = :role, updated_at = :now WHERE id = :id",
                new MapSqlParameterSource().addValue("role", role).addValue("now", System.currentTimeMillis()).addValue("id", id));
        if (updated == 0) {
            throw notFound(id);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("task_id", id);
        result.put("role_assigned", role);
        return result;
    }

    private Map<String, Object> load(String id) {
        List<Map<String, Object>> rows = db.query("SELECT " + COLUMNS + " FROM bindery_tasks WHERE id = :id",
                new MapSqlParameterSource("id", id), (rs, n) -> TaskRows.read(rs, json));
        if (rows.isEmpty()) {
            throw notFound(id);
        }
        Map<String, Object> task = rows.get(0);
        task.put("subtasks", children(id, 1));
        return task;
    }

    private List<Map<String, Object>> children(String parentId, int depth) {
        if (depth > TaskFields.MAX_TASK_DEPTH) {
            return List.of();
        }
        List<Map<String, Object>> rows = db.query("SELECT " + COLUMNS + " FROM bindery_tasks WHERE parent_id = :id ORDER BY created_at, position, id",
                new MapSqlParameterSource("id", parentId), (rs, n) -> TaskRows.read(rs, json));
        for (Map<String, Object> row : rows) {
            row.put("subtasks", children((String) row.get("id"), depth + 1));
        }
        return rows;
    }

    private List<String> subtreeIds(String id) {
        List<String> ids = new ArrayList<>();
        List<String> level = List.of(id);
        for (int depth = 0; depth <= TaskFields.MAX_TASK_DEPTH + 1 && !level.isEmpty(); depth++) {
            ids.addAll(level);
            level = db.queryForList("SELECT id FROM bindery_tasks WHERE parent_id IN (:ids)",
                    new MapSqlParameterSource("ids", level), String.class);
        }
        return ids;
    }

    private void requireExists(String id) {
        Long n = db.queryForObject("SELECT COUNT(*) FROM bindery_tasks WHERE id = :id", new MapSqlParameterSource("id", id), Long.class);
        if (n == null || n == 0) {
            throw new ToolException(ErrorCode.NOT_FOUND, "No parent task " + id, List.of("Create the parent first, or leave parent_id out"));
        }
    }

    static ToolException notFound(String id) {
        return new ToolException(ErrorCode.NOT_FOUND, "No task " + id, List.of("List tasks to find the id"));
    }
}
