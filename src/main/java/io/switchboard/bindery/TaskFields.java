package io.switchboard.bindery;

import io.switchboard.guard.ToolException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a Bindery task's fields follow, shared by the client tools (before anything is sent)
 * and the embedded backend (for whoever calls its HTTP API directly). Every failure names the
 * field's path. Text is never altered: what is valid is kept verbatim.
 */
public final class TaskFields {

    public static final Set<String> STATUSES = Set.of("todo", "doing", "done", "blocked", "cancelled");
    public static final Set<String> PRIORITIES = Set.of("low", "normal", "high", "urgent");
    public static final Set<String> DOCUMENT_TYPES = Set.of("text", "code", "markdown", "documentation", "configuration", "data");
    public static final Set<String> ENTITY_TYPES = Set.of("task", "project", "note");
    /** Task nesting (seed 001): a task with subtasks ten levels down is the deepest accepted. */
    public static final int MAX_TASK_DEPTH = 10;
    /** Ids travel in URL paths: nothing that could change the path ("/", "..", "?") gets there. */
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9_.:-]{1,64}$");

    private TaskFields() {
    }

    public static String id(Object value, String path) {
        if (!(value instanceof String s) || !ID.matcher(s).matches() || s.contains("..")) {
            throw ToolException.validation(path + " must be an id: 1 to 64 letters, digits, '-', '_', '.' or ':'",
                    "Use the id a create or list call returned");
        }
        return s;
    }

    public static String optionalId(Object value, String path) {
        return value == null ? null : id(value, path);
    }

    public static String requiredText(Object value, String path) {
        if (!(value instanceof String s) || s.isBlank()) {
            throw ToolException.validation(path + " is required and must be a non-empty string");
        }
        return s;
    }

    public static String optionalText(Object value, String path) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw ToolException.validation(path + " must be a string");
        }
        return s;
    }

    public static String oneOf(Object value, Set<String> allowed, String fallback, String path) {
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String s) || !allowed.contains(s)) {
            throw ToolException.validation(path + " must be one of " + allowed.stream().sorted().toList(),
                    "in_progress is not a status here: use doing");
        }
        return s;
    }

    /** Tags: a list of strings (a JSON-string list is read by the caller before this). */
    public static List<String> tags(Object value, String path) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw ToolException.validation(path + " must be a list of strings");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String)) {
                throw ToolException.validation(path + "[" + i + "] must be a string");
            }
        }
        @SuppressWarnings("unchecked")
        List<String> tags = (List<String>) list;
        return tags;
    }

    /** Labels: an object of scalar values. */
    public static Map<String, Object> labels(Object value, String path) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw ToolException.validation(path + " must be an object");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map || v instanceof List) {
                throw ToolException.validation(path + "." + e.getKey() + " must be a string, number or boolean");
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> labels = (Map<String, Object>) map;
        return labels;
    }

    /** A due date: an ISO-8601 instant, or a date (midnight UTC). Kept as epoch milliseconds. */
    public static Long dueDate(Object value, String path) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                try {
                    return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
                } catch (DateTimeParseException e2) {
                    // reported below
                }
            }
        }
        throw ToolException.validation(path + " must be an ISO-8601 date or instant, e.g. 2026-12-31 or 2026-12-31T17:00:00Z");
    }

    /** How deep subtasks nest under this task (1 = no subtasks); fails past {@link #MAX_TASK_DEPTH}. */
    public static void checkNesting(Map<?, ?> task, String path, int depth) {
        if (depth > MAX_TASK_DEPTH) {
            throw ToolException.validation(path + " nests subtasks deeper than " + MAX_TASK_DEPTH + " levels");
        }
        Object subtasks = task.get("subtasks");
        if (subtasks == null) {
            return;
        }
        if (!(subtasks instanceof List<?> list)) {
            throw ToolException.validation(path + ".subtasks must be a list of tasks");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> child)) {
                throw ToolException.validation(path + ".subtasks[" + i + "] must be an object");
            }
            checkNesting(child, path + ".subtasks[" + i + "]", depth + 1);
        }
    }

    public static int limit(Object value, int fallback, int max, String path) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.intValue() >= 1 && n.intValue() <= max) {
            return n.intValue();
        }
        if (value instanceof String s && s.matches("\\d{1,6}")) {
            return limit(Integer.parseInt(s), fallback, max, path);
        }
        throw ToolException.validation(path + " must be a whole number from 1 to " + max);
    }
}
