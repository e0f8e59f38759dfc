package io.switchboard.store;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Ready while the store answers a trivial query through the pool. */
final class StoreHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;

    StoreHealthCheck(DataSource dataSource) {
        super("switchboard", "store");
        this.dataSource = dataSource;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(2);
            s.execute("select 1");
            builder.detail("database", c.getMetaData().getDatabaseProductName());
            if (dataSource instanceof HikariDataSource h && h.getHikariPoolMXBean() != null) {
                builder.detail("pool_active", h.getHikariPoolMXBean().getActiveConnections());
                builder.detail("pool_idle", h.getHikariPoolMXBean().getIdleConnections());
                builder.detail("pool_max", h.getMaximumPoolSize());
            }
            builder.up();
        } catch (Exception e) {
            builder.detail("error", e.getClass().getSimpleName());
            builder.down();
        }
    }
}
