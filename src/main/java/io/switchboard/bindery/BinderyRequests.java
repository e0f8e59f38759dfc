package io.switchboard.bindery;

import io.switchboard.guard.ToolException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The client side's first step for each tool: the arguments checked beyond their schema (ids
 * that can travel in a URL path, task nesting, enumerations) and turned into the backend request.
 * Text goes out exactly as the caller wrote it.
 */
public final class BinderyRequests {

    private static final List<String> TASK_FIELDS = List.of("title", "description", "priority", "status", "tags",
            "parent_id", "project_id", "labels", "assignee", "due_date");
    private static final List<String> UPDATE_FIELDS = List.of("title", "description", "status", "priority", "tags",
            "labels", "project_id", "assignee", "due_date");

    public BackendCall createTask(Map<String, Object> args) {
        Map<String, Object> input = object(args.get("task_input"), "$.task_input");
        return BackendCall.write("POST", "/api/tasks", task(input, "$.task_input", 1));
    }

    /** A task_input (and its subtasks, down to the tenth level) as the backend takes it. */
    private Map<String, Object> task(Map<String, Object> input, String path, int depth) {
        if (depth > TaskFields.MAX_TASK_DEPTH) {
            throw ToolException.validation(path + " nests subtasks deeper than " + TaskFields.MAX_TASK_DEPTH + " levels");
        }
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("title", TaskFields.requiredText(input.get("title"), path + ".title"));
        TaskFields.optionalText(input.get("description"), path + ".description");
        task.put("priority", TaskFields.oneOf(input.get("priority"), TaskFields.PRIORITIES, "normal", path + ".priority"));
        task.put("status", TaskFields.oneOf(input.get("status"), TaskFields.STATUSES, "todo", path + ".status"));
        TaskFields.tags(input.get("tags"), path + ".tags");
        TaskFields.optionalId(input.get("parent_id"), path + ".parent_id");
        TaskFields.optionalId(input.get("project_id"), path + ".project_id");
        TaskFields.labels(input.get("labels"), path + ".labels");
        TaskFields.optionalText(input.get("assignee"), path + ".assignee");
        TaskFields.dueDate(input.get("due_date"), path + ".due_date");
        for (String field : TASK_FIELDS) {
            if (input.get(field) != null) {
                task.putIfAbsent(field, input.get(field));
            }
        }
        if (input.get("subtasks") != null) {
            if (!(input.get("subtasks") instanceof List<?> subtasks)) {
                throw ToolException.validation(path + ".subtasks must be a list of task inputs");
            }
            List<Object> children = new ArrayList<>();
            for (int i = 0; i < subtasks.size(); i++) {
                children.add(task(object(subtasks.get(i), path + ".subtasks[" + i + "]"), path + ".subtasks[" + i + "]", depth + 1));
            }
            task.put("subtasks", children);
        }
        return task;
    }

    public BackendCall getTask(Map<String, Object> args) {
        return readTask(taskId(args));
    }

    public BackendCall readTask(String taskId) {
        return BackendCall.read("/api/tasks/" + TaskFields.id(taskId, "$.task_id"), null);
    }

    public BackendCall listTasks(Map<String, Object> args) {
        StringJoiner query = new StringJoiner("&");
        if (args.get("project_id") != null) {
            query.add("project_id=" + encode(TaskFields.id(args.get("project_id"), "$.project_id")));
        }
        if (args.get("status") != null) {
            query.add("status=" + encode(TaskFields.oneOf(args.get("status"), TaskFields.STATUSES, null, "$.status")));
        }
        return BackendCall.read("/api/tasks", query.length() == 0 ? null : query.toString());
    }

    public TaskUpdate updateTask(Map<String, Object> args) {
        String id = taskId(args);
        Map<String, Object> input = object(args.get("task_update"), "$.task_update");
        Map<String, Object> changes = new LinkedHashMap<>();
        for (String field : UPDATE_FIELDS) {
            if (input.containsKey(field)) {
                changes.put(field, input.get(field));
            }
        }
        if (changes.isEmpty()) {
            throw ToolException.validation("$.task_update names no field to change; fields: " + UPDATE_FIELDS);
        }
        if (changes.containsKey("title")) {
            TaskFields.requiredText(changes.get("title"), "$.task_update.title");
        }
        TaskFields.optionalText(changes.get("description"), "$.task_update.description");
        TaskFields.oneOf(changes.get("status"), TaskFields.STATUSES, null, "$.task_update.status");
        TaskFields.oneOf(changes.get("priority"), TaskFields.PRIORITIES, null, "$.task_update.priority");
        TaskFields.tags(changes.get("tags"), "$.task_update.tags");
        TaskFields.labels(changes.get("labels"), "$.task_update.labels");
        TaskFields.optionalId(changes.get("project_id"), "$.task_update.project_id");
        TaskFields.dueDate(changes.get("due_date"), "$.task_update.due_date");
        return update(id, changes);
    }

    /** complete_task: status done, with the notes; the same PUT-then-read as an update. */
    public TaskUpdate completeTask(Map<String, Object> args) {
        String id = taskId(args);
        Map<String, Object> changes = new LinkedHashMap<>();
        changes.put("status", "done");
        String notes = TaskFields.optionalText(args.get("completion_notes"), "$.completion_notes");
        if (notes != null) {
            changes.put("completion_notes", notes);
        }
        return update(id, changes);
    }

    /** execute_task ends in doing: a backend that left another status (the origin's in_progress) is corrected. */
    public TaskUpdate markDoing(String taskId) {
        return update(taskId, new LinkedHashMap<>(Map.of("status", "doing")));
    }

    private TaskUpdate update(String id, Map<String, Object> changes) {
        String path = "/api/tasks/" + id;
        return new TaskUpdate(BackendCall.write("PUT", path, changes), BackendCall.read(path, null), changes);
    }

    public BackendCall deleteTask(Map<String, Object> args) {
        return BackendCall.write("DELETE", "/api/tasks/" + taskId(args), null);
    }

    public BackendCall executeTask(Map<String, Object> args) {
        return BackendCall.write("POST", "/api/tasks/" + taskId(args) + "/execute", Map.of("role", role(args)));
    }

    public BackendCall assignRole(Map<String, Object> args) {
        return BackendCall.write("POST", "/api/tasks/" + taskId(args) + "/assign-role", Map.of("role", role(args)));
    }

    public BackendCall listRoles() {
        return BackendCall.read("/api/roles", null);
    }

    public BackendCall createProject(Map<String, Object> args) {
        Map<String, Object> input = object(args.get("project_input"), "$.project_input");
        Map<String, Object> project = new LinkedHashMap<>();
        project.put("name", TaskFields.requiredText(input.get("name"), "$.project_input.name"));
        if (input.get("description") != null) {
            project.put("description", TaskFields.optionalText(input.get("description"), "$.project_input.description"));
        }
        project.put("tags", TaskFields.tags(input.get("tags"), "$.project_input.tags"));
        return BackendCall.write("POST", "/api/projects", project);
    }

    public BackendCall dashboardStats() {
        return BackendCall.read("/api/dashboard/stats", null);
    }

    /** search_entities: without entity_types, tasks, projects and indexed documents (notes) are all searched. */
    public BackendCall search(Map<String, Object> args) {
        Map<String, Object> input = object(args.get("search_input"), "$.search_input");
        Map<String, Object> search = new LinkedHashMap<>();
        search.put("query", TaskFields.requiredText(input.get("query"), "$.search_input.query"));
        List<String> types = new ArrayList<>();
        if (input.get("entity_types") instanceof List<?> list && !list.isEmpty()) {
            for (int i = 0; i < list.size(); i++) {
                String type = TaskFields.oneOf(list.get(i), TaskFields.ENTITY_TYPES, null, "$.search_input.entity_types[" + i + "]");
                if (!types.contains(type)) {
                    types.add(type);
                }
            }
        } else if (input.get("entity_types") != null && !(input.get("entity_types") instanceof List)) {
            throw ToolException.validation("$.search_input.entity_types must be a list of task, project, note");
        } else {
            types.addAll(List.of("task", "project", "note"));
        }
        search.put("entity_types", types);
        search.put("limit", TaskFields.limit(input.get("limit"), 10, 100, "$.search_input.limit"));
        Object archived = input.get("include_archived");
        if (archived != null && !(archived instanceof Boolean)) {
            throw ToolException.validation("$.search_input.include_archived must be true or false");
        }
        search.put("include_archived", Boolean.TRUE.equals(archived));
        return BackendCall.cachedPost("/api/search", search, "POST /api/search " + search);
    }

    public BackendCall indexDocument(Map<String, Object> args) {
        Map<String, Object> input = object(args.get("document_input"), "$.document_input");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("title", TaskFields.requiredText(input.get("title"), "$.document_input.title"));
        doc.put("content", TaskFields.requiredText(input.get("content"), "$.document_input.content"));
        doc.put("document_type", TaskFields.oneOf(input.get("document_type"), TaskFields.DOCUMENT_TYPES, "text",
                "$.document_input.document_type"));
        if (input.get("source_path") != null) {
            doc.put("source_path", TaskFields.optionalText(input.get("source_path"), "$.document_input.source_path"));
        }
        doc.put("tags", TaskFields.tags(input.get("tags"), "$.document_input.tags"));
        if (input.get("project_id") != null) {
            doc.put("project_id", TaskFields.id(input.get("project_id"), "$.document_input.project_id"));
        }
        return BackendCall.write("POST", "/api/rag/index", doc);
    }

    public BackendCall health() {
        return new BackendCall("GET", "/health", null, null, null);
    }

    private static String taskId(Map<String, Object> args) {
        return TaskFields.id(args.get("task_id"), "$.task_id");
    }

    private static String role(Map<String, Object> args) {
        return TaskFields.requiredText(args.get("role_name"), "$.role_name");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String path) {
        if (!(value instanceof Map<?, ?> map)) {
            throw ToolException.validation(path + " must be an object (or a string holding a JSON object)");
        }
        return (Map<String, Object>) map;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
