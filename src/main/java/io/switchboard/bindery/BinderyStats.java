package io.switchboard.bindery;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.switchboard.Versions;
import io.switchboard.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The embedded backend's dashboard statistics, computed from the rows on every call, and its
 * health and pool endpoints (GET /health, /api/pool/metrics, /api/pool/health) read from the
 * store's HikariCP pool.
 */
public final class BinderyStats {

    private static final long WEEK_MILLIS = 7L * 24 * 3600 * 1000;
    private static final String SUMMARY = "SELECT id, title, status, priority, project_id, due_date, created_at FROM bindery_tasks ";

    private final NamedParameterJdbcTemplate db;
    private final Store store;

    BinderyStats(NamedParameterJdbcTemplate db, Store store) {
        this.db = db;
        this.store = store;
    }

    /** GET /api/dashboard/stats. */
    public Map<String, Object> dashboard() {
        long now = System.currentTimeMillis();
        MapSqlParameterSource p = new MapSqlParameterSource().addValue("now", now).addValue("week", now + WEEK_MILLIS);
        long total = count("SELECT COUNT(*) FROM bindery_tasks", p);
        Map<String, Object> status = breakdown("SELECT status AS k, COUNT(*) AS n FROM bindery_tasks GROUP BY status", p);
        for (String s : TaskFields.STATUSES.stream().sorted().toList()) {
            status.putIfAbsent(s, 0L);
        }
        Map<String, Object> priority = breakdown("SELECT priority AS k, COUNT(*) AS n FROM bindery_tasks GROUP BY priority", p);
        for (String s : TaskFields.PRIORITIES.stream().sorted().toList()) {
            priority.putIfAbsent(s, 0L);
        }
        Map<String, Object> projects = breakdown("SELECT COALESCE(project_id, 'none') AS k, COUNT(*) AS n FROM bindery_tasks "
                + "GROUP BY COALESCE(project_id, 'none')", p);
        long done = ((Number) status.get("done")).longValue();
        Number avgMillis = db.queryForObject("SELECT AVG(completed_at - created_at) FROM bindery_tasks "
                + "WHERE status = 'done' AND completed_at IS NOT NULL", p, Number.class);

        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("total_tasks", total);
        stats.put("status_breakdown", status);
        stats.put("priority_breakdown", priority);
        stats.put("recent_tasks", summaries(SUMMARY + "ORDER BY created_at DESC, id LIMIT 10", p));
        stats.put("overdue_tasks", summaries(SUMMARY + "WHERE due_date < :now AND status NOT IN ('done', 'cancelled') "
                + "ORDER BY due_date, id LIMIT 50", p));
        stats.put("overdue_count", count("SELECT COUNT(*) FROM bindery_tasks WHERE due_date < :now "
                + "AND status NOT IN ('done', 'cancelled')", p));
        stats.put("upcoming_tasks", summaries(SUMMARY + "WHERE due_date >= :now AND due_date < :week "
                + "AND status NOT IN ('done', 'cancelled') ORDER BY due_date, id LIMIT 50", p));
        stats.put("project_breakdown", projects);
        // Percent of all tasks that are done, one decimal.
        stats.put("completion_rate", total == 0 ? 0.0 : Math.round(done * 1000.0 / total) / 10.0);
        // Hours from creation to completion, averaged over done tasks; null when none is done.
        stats.put("average_completion_time", avgMillis == null ? null
                : Math.round(avgMillis.doubleValue() / 36_000.0) / 100.0);
        stats.put("average_completion_time_unit", "hours");
        stats.put("generated_at", Instant.ofEpochMilli(now).toString());
        return stats;
    }

    private long count(String sql, MapSqlParameterSource p) {
        Number n = db.queryForObject(sql, p, Number.class);
        return n == null ? 0 : n.longValue();
    }

    private Map<String, Object> breakdown(String sql, MapSqlParameterSource p) {
        Map<String, Object> counts = new LinkedHashMap<>();
        db.query(sql, p, rs -> {
            counts.put(rs.getString("k"), rs.getLong("n"));
        });
        return counts;
    }

    private List<Map<String, Object>> summaries(String sql, MapSqlParameterSource p) {
        return new ArrayList<>(db.query(sql, p, (rs, n) -> {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", rs.getString("id"));
            t.put("title", rs.getString("title"));
            t.put("status", rs.getString("status"));
            t.put("priority", rs.getString("priority"));
            t.put("project_id", rs.getString("project_id"));
            t.put("due_date", TaskRows.instant(rs, "due_date"));
            t.put("created_at", TaskRows.instant(rs, "created_at"));
            return t;
        }));
    }

    /** GET /health: healthy, warning (pool over 80 % busy) or unhealthy (database not answering). */
    public Map<String, Object> health() {
        Map<String, Object> pool = poolMetrics();
        Store.Probe probe = store.probe();
        double utilisation = (double) pool.get("utilization_percent");
        Map<String, Object> database = new LinkedHashMap<>(pool);
        database.put("pool_healthy", probe.up() && utilisation <= 80.0);
        database.put("database", probe.database());
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("status", !probe.up() ? "unhealthy" : utilisation > 80.0 ? "warning" : "healthy");
        health.put("service", "bindery");
        health.put("implementation", "switchboard-embedded");
        health.put("version", Versions.switchboard());
        health.put("timestamp", Instant.now().toString());
        health.put("database", database);
        return health;
    }

    /** GET /api/pool/metrics. */
    public Map<String, Object> poolMetrics() {
        HikariDataSource hikari = (HikariDataSource) store.dataSource();
        HikariPoolMXBean bean = hikari.getHikariPoolMXBean();
        int active = bean == null ? 0 : bean.getActiveConnections();
        int idle = bean == null ? 0 : bean.getIdleConnections();
        int waiting = bean == null ? 0 : bean.getThreadsAwaitingConnection();
        int max = hikari.getMaximumPoolSize();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("active_connections", active);
        m.put("idle_connections", idle);
        m.put("total_connections", active + idle);
        m.put("max_connections", max);
        m.put("min_idle", hikari.getMinimumIdle());
        m.put("threads_awaiting_connection", waiting);
        m.put("utilization_percent", max == 0 ? 0.0 : Math.round(active * 1000.0 / max) / 10.0);
        m.put("acquire_timeout_ms", hikari.getConnectionTimeout());
        m.put("timestamp", Instant.now().toString());
        return m;
    }

    /** GET /api/pool/health: the metrics judged, with what to do about them. */
    public Map<String, Object> poolHealth() {
        Map<String, Object> metrics = poolMetrics();
        Store.Probe probe = store.probe();
        double utilisation = (double) metrics.get("utilization_percent");
        int waiting = (int) metrics.get("threads_awaiting_connection");
        List<String> recommendations = new ArrayList<>();
        if (!probe.up()) {
            recommendations.add("The database does not answer: check the store's connection settings");
        }
        if (utilisation > 80.0) {
            recommendations.add("The pool is over 80 % busy: raise SWITCHBOARD_DB_POOL_SIZE or reduce load");
        }
        if (waiting > 0) {
            recommendations.add(waiting + " threads wait for a connection");
        }
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("healthy", probe.up() && utilisation <= 80.0 && waiting == 0);
        h.put("status", !probe.up() ? "unhealthy" : recommendations.isEmpty() ? "healthy" : "warning");
        h.put("metrics", metrics);
        h.put("recommendations", recommendations);
        return h;
    }
}
