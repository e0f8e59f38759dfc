package io.switchboard.bindery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The client side's last step for each tool: the backend's answer read and brought to one shape,
 * whichever backend gave it. The Rust backend answers tags and labels as JSON strings and lists
 * tasks as summaries; both are read here. Its failures become the gateway's error codes.
 */
public final class BinderyResponses {

    private final Json json;

    BinderyResponses(ObjectMapper mapper) {
        this.json = new Json(mapper);
    }

    /** The body of a 2xx answer as JSON; a 4xx answer as the client's mistake it reports. */
    public Object accept(Integer status, String body) {
        int code = status == null ? 200 : status;
        if (code >= 200 && code < 300) {
            return body == null || body.isBlank() ? Map.of() : json.any(body);
        }
        String message = backendMessage(body);
        throw switch (code) {
            case 404 -> new ToolException(ErrorCode.NOT_FOUND, "Not found: " + message, List.of("List tasks to find the id"));
            case 400, 422 -> new ToolException(ErrorCode.VALIDATION_ERROR, message, List.of("Check the arguments"));
            case 401, 403 -> new ToolException(ErrorCode.PERMISSION_DENIED, "The Bindery backend refused the request",
                    List.of("Check SWITCHBOARD_BINDERY_TOKEN"));
            case 429 -> new ToolException(ErrorCode.RATE_LIMIT_EXCEEDED, "The Bindery backend asks to slow down", List.of("Retry shortly"));
            default -> new ToolException(ErrorCode.CLIENT_ERROR, "The Bindery backend answered HTTP " + code + ": " + message,
                    List.of("Check the arguments"));
        };
    }

    private String backendMessage(String body) {
        if (body == null || body.isBlank()) {
            return "no detail";
        }
        try {
            if (json.any(body) instanceof Map<?, ?> m) {
                Object message = m.get("message") != null ? m.get("message") : m.get("error");
                if (message != null) {
                    return String.valueOf(message);
                }
            }
        } catch (ToolException notJson) {
            // plain text below
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }

    /** Retries spent on 5xx answers: the backend is there but failing. */
    public Object unavailable(Exception failure) {
        throw new ToolException(ErrorCode.CONNECTION_ERROR, "The Bindery backend is failing (server errors after retries)",
                List.of("Retry later", "Check the backend's /health"));
    }

    // ------------------------------------------------------------------ tasks

    /** A task in one shape: tags a list, labels an object, subtasks normalised too. */
    public Map<String, Object> task(Object raw) {
        if (!(raw instanceof Map<?, ?> m)) {
            throw new ToolException(ErrorCode.INTERNAL_ERROR, "The Bindery backend answered no task", List.of("Check the backend"));
        }
        Map<?, ?> source = m.get("task") instanceof Map<?, ?> inner && !m.containsKey("title") ? inner : m;
        Map<String, Object> task = new LinkedHashMap<>();
        source.forEach((k, v) -> task.put(String.valueOf(k), v));
        task.put("tags", listOf(task.get("tags")));
        task.put("labels", mapOf(task.get("labels")));
        if (task.get("subtasks") instanceof List<?> subtasks) {
            List<Object> children = new ArrayList<>();
            subtasks.forEach(s -> children.add(s instanceof Map ? task(s) : s));
            task.put("subtasks", children);
        }
        return task;
    }

    public Map<String, Object> created(Object raw) {
        Map<String, Object> task = task(raw);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("task", task);
        result.put("message", "Task created: " + task.get("id"));
        return result;
    }

    public Map<String, Object> found(Object raw) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("task", task(raw));
        return result;
    }

    /** {tasks, total}: from {items, total} (either backend), {tasks}, or a bare list. */
    public Map<String, Object> tasks(Object raw) {
        Object items = raw;
        Object total = null;
        if (raw instanceof Map<?, ?> m) {
            items = m.get("items") != null ? m.get("items") : m.get("tasks");
            total = m.get("total");
        }
        List<Object> tasks = new ArrayList<>();
        if (items instanceof List<?> list) {
            list.forEach(t -> tasks.add(t instanceof Map ? task(t) : t));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tasks", tasks);
        result.put("total", total instanceof Number ? total : tasks.size());
        return result;
    }

    /**
     * After a PUT and a read: the task as stored, and which asked-for fields the backend did not
     * keep (the Rust backend keeps only title and status), so the caller never believes a change
     * that did not happen.
     */
    public Map<String, Object> updated(Map<String, Object> requested, Object read) {
        Map<String, Object> task = task(read);
        List<String> notSaved = new ArrayList<>();
        for (Map.Entry<String, Object> field : requested.entrySet()) {
            if (!same(field.getKey(), field.getValue(), task.get(field.getKey()))) {
                notSaved.add(field.getKey());
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", notSaved.isEmpty());
        result.put("task", task);
        result.put("fields_not_saved", notSaved);
        if (!notSaved.isEmpty()) {
            result.put("warning", "The Bindery backend did not keep: " + String.join(", ", notSaved));
        }
        return result;
    }

    private boolean same(String field, Object asked, Object stored) {
        if ("tags".equals(field)) {
            return Objects.equals(listOf(asked), listOf(stored));
        }
        if ("labels".equals(field)) {
            return Objects.equals(json.write(mapOf(asked)), json.write(mapOf(stored)));
        }
        if ("due_date".equals(field) && asked != null && stored != null) {
            try {
                return Objects.equals(TaskFields.dueDate(asked, field), TaskFields.dueDate(stored, field));
            } catch (ToolException e) {
                return false;
            }
        }
        return Objects.equals(asked, stored);
    }

    /** execute_task must end in doing; true when the backend left the task in another status. */
    public boolean notDoing(Object raw) {
        return !"doing".equals(task(raw).get("status"));
    }

    public Map<String, Object> executed(Map<String, Object> execution, Object task) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("task_id", execution.get("task_id"));
        result.put("role_assigned", execution.get("role_assigned"));
        result.put("execution_id", execution.get("execution_id"));
        result.put("status", task(task).get("status"));
        return result;
    }

    public Map<String, Object> deleted(Object raw, String taskId) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("task_id", taskId);
        if (raw instanceof Map<?, ?> m && m.get("deleted") != null) {
            result.put("deleted", m.get("deleted"));
        }
        return result;
    }

    public Map<String, Object> roleAssigned(Object raw, String taskId, String role) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("task_id", taskId);
        result.put("role_assigned", raw instanceof Map<?, ?> m && m.get("role_assigned") != null ? m.get("role_assigned") : role);
        return result;
    }

    // ------------------------------------------------------------------ the rest

    public Map<String, Object> roles(Object raw) {
        List<Object> roles = new ArrayList<>();
        if (raw instanceof Map<?, ?> m && m.get("roles") instanceof List<?> list) {
            roles.addAll(list);
        } else if (raw instanceof List<?> list) {
            roles.addAll(list);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("roles", roles);
        result.put("total_roles", roles.size());
        return result;
    }

    public Map<String, Object> project(Object raw) {
        Map<String, Object> project = new LinkedHashMap<>();
        if (raw instanceof Map<?, ?> m) {
            Map<?, ?> source = m.get("project") instanceof Map<?, ?> inner ? inner : m;
            source.forEach((k, v) -> project.put(String.valueOf(k), v));
        }
        if (project.containsKey("tags")) {
            project.put("tags", listOf(project.get("tags")));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("project", project);
        return result;
    }

    /** The backend's statistics as they come (both backends use the same keys). */
    public Map<String, Object> stats(Object raw) {
        Map<String, Object> stats = new LinkedHashMap<>();
        if (raw instanceof Map<?, ?> m) {
            m.forEach((k, v) -> stats.put(String.valueOf(k), v));
        }
        return stats;
    }

    public Map<String, Object> searchResults(Object raw, Map<String, Object> request) {
        List<Object> results = new ArrayList<>();
        if (raw instanceof Map<?, ?> m && m.get("results") instanceof List<?> list) {
            results.addAll(list);
        } else if (raw instanceof List<?> list) {
            results.addAll(list);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("query", request.get("query"));
        result.put("entity_types", request.get("entity_types"));
        result.put("results", results);
        result.put("total", results.size());
        return result;
    }

    public Map<String, Object> indexed(Object raw) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        if (raw instanceof Map<?, ?> m) {
            m.forEach((k, v) -> result.put(String.valueOf(k), v));
        }
        return result;
    }

    public Map<String, Object> health(Object raw, String backend) {
        Map<String, Object> result = new LinkedHashMap<>();
        Object status = raw instanceof Map<?, ?> m ? m.get("status") : null;
        result.put("status", status == null ? "unknown" : status);
        result.put("backend", backend);
        result.put("backend_health", raw);
        result.put("checked_at", Instant.now().toString());
        return result;
    }

    private List<Object> listOf(Object value) {
        if (value instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        if (value instanceof String s && !s.isBlank()) {
            String t = s.trim();
            if (t.startsWith("[")) {
                return json.list(t);
            }
            // A comma-separated string, as some backends keep tags.
            List<Object> tags = new ArrayList<>();
            for (String tag : t.split(",")) {
                if (!tag.isBlank()) {
                    tags.add(tag.trim());
                }
            }
            return tags;
        }
        return new ArrayList<>();
    }

    private Map<String, Object> mapOf(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> m = new LinkedHashMap<>();
            map.forEach((k, v) -> m.put(String.valueOf(k), v));
            return m;
        }
        if (value instanceof String s && s.trim().startsWith("{")) {
            return json.map(s);
        }
        return new LinkedHashMap<>();
    }
}
