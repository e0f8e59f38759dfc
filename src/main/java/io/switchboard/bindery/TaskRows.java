package io.switchboard.bindery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A bindery_tasks row as the API answers it: times as ISO-8601 instants, tags and labels as JSON values. */
final class TaskRows {

    private TaskRows() {
    }

    static Map<String, Object> read(ResultSet rs, Json json) throws SQLException {
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("id", rs.getString("id"));
        task.put("title", rs.getString("title"));
        task.put("description", rs.getString("description"));
        task.put("status", rs.getString("status"));
        task.put("priority", rs.getString("priority"));
        task.put("parent_id", rs.getString("parent_id"));
        task.put("project_id", rs.getString("project_id"));
        task.put("assignee", rs.getString("assignee"));
        task.put("tags", json.list(rs.getString("tags")));
        task.put("labels", json.map(rs.getString("labels")));
        task.put("due_date", instant(rs, "due_date"));
        task.put("completion_notes", rs.getString("completion_notes"));
        task.put("execution_id", rs.getString("execution_id"));
        task.put("created_at", instant(rs, "created_at"));
        task.put("updated_at", instant(rs, "updated_at"));
        task.put("completed_at", instant(rs, "completed_at"));
        return task;
    }

    static String instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis).toString();
    }
}
