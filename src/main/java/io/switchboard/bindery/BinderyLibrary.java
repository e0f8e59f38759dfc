package io.switchboard.bindery;

import io.switchboard.guard.ToolException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The embedded backend's projects, indexed documents and full-text search. The search index is
 * kept by database triggers (db/vendor/*), so this class only asks it: with FTS5 and bm25 on
 * SQLite, with a tsvector, GIN index and ts_rank on PostgreSQL.
 */
public final class BinderyLibrary {

    /** SQLite: bm25 weights per column (entity_type, entity_id, title, body): a title hit counts most. */
    private static final String SEARCH_SQLITE = "SELECT entity_type, entity_id, title, "
            + "snippet(bindery_search, 3, '[', ']', '…', 16) AS snippet, -bm25(bindery_search, 0.0, 0.0, 4.0, 1.0) AS score "
            + "FROM bindery_search WHERE bindery_search MATCH :match " + SearchFilter.SQL
            + " ORDER BY bm25(bindery_search, 0.0, 0.0, 4.0, 1.0) LIMIT :fetch";
    private static final String SEARCH_POSTGRESQL = "SELECT s.entity_type, s.entity_id, s.title, "
            + "ts_headline('english', s.body, q, 'StartSel=[, StopSel=], MaxWords=24, MinWords=8') AS snippet, "
            + "ts_rank(s.document, q) AS score "
            + "FROM bindery_search s, plainto_tsquery('english', :query) q WHERE s.document @@ q " + SearchFilter.SQL
            + " ORDER BY score DESC LIMIT :fetch";

    /** The entity filter, written once for both dialects. */
    private static final class SearchFilter {
        static final String SQL = "AND ((entity_type = 'task' AND :tasks = 1) OR (entity_type = 'project' AND :projects = 1)"
                + " OR (entity_type = 'note' AND :notes = 1))"
                + " AND (:archived = 1 OR entity_type <> 'task' OR entity_id NOT IN (SELECT id FROM bindery_tasks WHERE status = 'cancelled'))";
    }

    private final NamedParameterJdbcTemplate db;
    private final TransactionTemplate transactions;
    private final Json json;
    private final boolean sqlite;
    private final int chunkChars;
    private final int chunkOverlap;

    BinderyLibrary(NamedParameterJdbcTemplate db, TransactionTemplate transactions, Json json, boolean sqlite,
                   int chunkChars, int chunkOverlap) {
        this.db = db;
        this.transactions = transactions;
        this.json = json;
        this.sqlite = sqlite;
        this.chunkChars = chunkChars;
        this.chunkOverlap = Math.min(chunkOverlap, chunkChars / 2);
    }

    /** POST /api/projects {name, description, tags}. */
    public Map<String, Object> createProject(Map<String, Object> input) {
        long now = System.currentTimeMillis();
        String id = UUID.randomUUID().toString();
        String name = TaskFields.requiredText(input.get("name"), "$.name");
        String description = TaskFields.optionalText(input.get("description"), "$.description");
        List<String> tags = TaskFields.tags(input.get("tags"), "$.tags");
        db.update("INSERT INTO bindery_projects (id, name, description, tags, created_at, updated_at) "
                        + "VALUES (:id, :name, :description, :tags, :now, :now)",
                new MapSqlParameterSource().addValue("id", id).addValue("name", name).addValue("description", description)
                        .addValue("tags", json.write(tags)).addValue("now", now));
        return project(id);
    }

    /** GET /api/projects: {items, total}. */
    public Map<String, Object> listProjects() {
        List<Map<String, Object>> items = db.query("SELECT id, name, description, tags, created_at, updated_at "
                + "FROM bindery_projects ORDER BY created_at DESC, id", new MapSqlParameterSource(), (rs, n) -> projectRow(rs));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("items", items);
        result.put("total", items.size());
        return result;
    }

    public Map<String, Object> project(String id) {
        TaskFields.id(id, "id");
        List<Map<String, Object>> rows = db.query("SELECT id, name, description, tags, created_at, updated_at "
                + "FROM bindery_projects WHERE id = :id", new MapSqlParameterSource("id", id), (rs, n) -> projectRow(rs));
        if (rows.isEmpty()) {
            throw ToolException.notFound("No project " + id);
        }
        return rows.get(0);
    }

    private Map<String, Object> projectRow(java.sql.ResultSet rs) throws java.sql.SQLException {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", rs.getString("id"));
        p.put("name", rs.getString("name"));
        p.put("description", rs.getString("description"));
        p.put("tags", json.list(rs.getString("tags")));
        p.put("created_at", TaskRows.instant(rs, "created_at"));
        p.put("updated_at", TaskRows.instant(rs, "updated_at"));
        return p;
    }

    /** POST /api/rag/index: the document, cut into overlapping chunks that the search index holds. */
    public Map<String, Object> index(Map<String, Object> input) {
        String title = TaskFields.requiredText(input.get("title"), "$.title");
        String content = TaskFields.requiredText(input.get("content"), "$.content");
        String type = TaskFields.oneOf(input.get("document_type"), TaskFields.DOCUMENT_TYPES, "text", "$.document_type");
        String sourcePath = TaskFields.optionalText(input.get("source_path"), "$.source_path");
        List<String> tags = TaskFields.tags(input.get("tags"), "$.tags");
        String projectId = TaskFields.optionalId(input.get("project_id"), "$.project_id");
        List<String> chunks = chunks(content);
        String id = UUID.randomUUID().toString();
        long now = System.currentTimeMillis();
        transactions.executeWithoutResult(tx -> {
            db.update("INSERT INTO bindery_documents (id, title, document_type, source_path, tags, project_id, content_chars, created_at) "
                            + "VALUES (:id, :title, :type, :source_path, :tags, :project_id, :chars, :now)",
                    new MapSqlParameterSource().addValue("id", id).addValue("title", title).addValue("type", type)
                            .addValue("source_path", sourcePath).addValue("tags", json.write(tags))
                            .addValue("project_id", projectId).addValue("chars", content.length()).addValue("now", now));
            MapSqlParameterSource[] rows = new MapSqlParameterSource[chunks.size()];
            for (int i = 0; i < chunks.size(); i++) {
                rows[i] = new MapSqlParameterSource().addValue("id", id).addValue("seq", i).addValue("content", chunks.get(i));
            }
            db.batchUpdate("INSERT INTO bindery_chunks (document_id, seq, content) VALUES (:id, :seq, :content)", rows);
        });
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("document_id", id);
        result.put("title", title);
        result.put("document_type", type);
        result.put("chunks", chunks.size());
        result.put("characters", content.length());
        result.put("indexed_at", Instant.ofEpochMilli(now).toString());
        return result;
    }

    /**
     * Pieces of at most chunkChars characters, each starting chunkOverlap characters before the
     * previous one ended (so a phrase across a boundary is still found whole), cut at whitespace
     * where there is some in the last fifth of the piece.
     */
    List<String> chunks(String content) {
        List<String> chunks = new ArrayList<>();
        int start = 0;
        while (start < content.length()) {
            int end = Math.min(content.length(), start + chunkChars);
            if (end < content.length()) {
                for (int i = end; i > end - chunkChars / 5; i--) {
                    if (Character.isWhitespace(content.charAt(i - 1))) {
                        end = i;
                        break;
                    }
                }
            }
            chunks.add(content.substring(start, end));
            if (end >= content.length()) {
                break;
            }
            start = Math.max(end - chunkOverlap, start + 1);
        }
        return chunks;
    }

    /** POST /api/search {query, entity_types, limit, include_archived}: ranked hits with a snippet and a score. */
    public Map<String, Object> search(Map<String, Object> input) {
        String query = TaskFields.requiredText(input.get("query"), "$.query");
        Set<String> types = new HashSet<>();
        if (input.get("entity_types") instanceof List<?> list && !list.isEmpty()) {
            for (int i = 0; i < list.size(); i++) {
                types.add(TaskFields.oneOf(list.get(i), TaskFields.ENTITY_TYPES, null, "$.entity_types[" + i + "]"));
            }
        } else if (input.get("entity_types") != null && !(input.get("entity_types") instanceof List)) {
            throw ToolException.validation("$.entity_types must be a list of task, project, note");
        } else {
            types.addAll(TaskFields.ENTITY_TYPES);
        }
        int limit = TaskFields.limit(input.get("limit"), 10, 100, "$.limit");
        boolean archived = Boolean.TRUE.equals(input.get("include_archived"));
        List<String> words = words(query);
        if (words.isEmpty()) {
            throw ToolException.validation("$.query has no word to search for");
        }
        MapSqlParameterSource p = new MapSqlParameterSource()
                .addValue("query", query)
                .addValue("match", String.join(" ", words.stream().map(w -> '"' + w + '"').toList()))
                .addValue("tasks", types.contains("task") ? 1 : 0)
                .addValue("projects", types.contains("project") ? 1 : 0)
                .addValue("notes", types.contains("note") ? 1 : 0)
                .addValue("archived", archived ? 1 : 0)
                // A document may match in several chunks: fetch more, keep each entity's best.
                .addValue("fetch", limit * 4);
        List<Map<String, Object>> hits = db.query(sqlite ? SEARCH_SQLITE : SEARCH_POSTGRESQL, p, (rs, n) -> {
            Map<String, Object> hit = new LinkedHashMap<>();
            hit.put("entity_type", rs.getString("entity_type"));
            hit.put("id", rs.getString("entity_id"));
            hit.put("title", rs.getString("title"));
            hit.put("snippet", rs.getString("snippet"));
            hit.put("score", Math.round(rs.getDouble("score") * 10_000.0) / 10_000.0);
            return hit;
        });
        Set<String> seen = new HashSet<>();
        List<Map<String, Object>> results = new ArrayList<>();
        for (Map<String, Object> hit : hits) {
            if (results.size() < limit && seen.add(hit.get("entity_type") + "/" + hit.get("id"))) {
                results.add(hit);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("query", query);
        result.put("entity_types", types.stream().sorted().toList());
        result.put("results", results);
        result.put("total", results.size());
        return result;
    }

    /**
     * The query's words (letters and digits), each searched as a quoted FTS5 string: operators,
     * column filters and quotes a user typed are text to find, never query syntax.
     */
    static List<String> words(String query) {
        List<String> words = new ArrayList<>();
        for (String w : query.split("[^\\p{L}\\p{N}_]+")) {
            if (!w.isEmpty() && words.size() < 32) {
                words.add(w);
            }
        }
        return words;
    }
}
