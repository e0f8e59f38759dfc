package io.switchboard.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.switchboard.observe.Systems;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The store every system keeps its state in: one pooled DataSource ({@code dataSource}, which
 * {@code sql:} endpoints find by default), SQLite under the data folder unless
 * SWITCHBOARD_DB_URL names another database, migrated by Flyway before any route starts.
 */
@Configuration
public class StoreConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(StoreConfiguration.class);

    @PropertyInject(value = "switchboard.db.url", defaultValue = "")
    String url;
    @PropertyInject(value = "switchboard.db.user", defaultValue = "")
    String user;
    @PropertyInject(value = "switchboard.db.password", defaultValue = "")
    String password;
    @PropertyInject("switchboard.data.dir")
    String dataDir;
    @PropertyInject(value = "switchboard.db.pool-size", defaultValue = "8")
    int poolSize;

    private HikariDataSource dataSource;

    @BindToRegistry("dataSource")
    public synchronized DataSource dataSource() throws Exception {
        if (dataSource != null) {
            return dataSource;
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("switchboard-store");
        config.setMaximumPoolSize(poolSize);
        String jdbcUrl = url == null || url.isBlank() ? sqliteUrl() : url.trim();
        config.setJdbcUrl(jdbcUrl);
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            SQLiteConfig sqlite = new SQLiteConfig();
            // WAL lets readers run beside the writer; NORMAL syncs at checkpoints, safe with WAL.
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            // Writers queue for up to 5 s instead of failing SQLITE_BUSY at once.
            sqlite.setBusyTimeout(5000);
            sqlite.enforceForeignKeys(true);
            // A read-then-write transaction takes the write lock when it begins, so two of them
            // never both read and then deadlock on upgrading (DEFERRED failed 768 of 800 here).
            sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            config.setDataSourceProperties(sqlite.toProperties());
        } else {
            if (!user.isBlank()) {
                config.setUsername(user);
            }
            if (!password.isBlank()) {
                config.setPassword(password);
            }
        }
        // Fail fast with the real reason (unreachable, wrong password) instead of a half-started gateway.
        config.setInitializationFailTimeout(10_000);
        dataSource = new HikariDataSource(config);
        Flyway flyway = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load();
        int applied = flyway.migrate().migrationsExecuted;
        LOG.info("Store ready on {} ({} migrations applied)", describe(jdbcUrl), applied);
        return dataSource;
    }

    /** Camel's JDBC idempotent repository on the store, for idempotentConsumer in any route. */
    @BindToRegistry("idempotentRepository")
    public JdbcMessageIdRepository idempotentRepository() throws Exception {
        JdbcMessageIdRepository repository = new JdbcMessageIdRepository(dataSource(), "switchboard");
        // The table comes from the migrations, identical on every database.
        repository.setCreateTableIfNotExists(false);
        return repository;
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        DataSource ds = dataSource();
        HealthCheckHelper.getHealthCheckRegistry(camel).register(new StoreHealthCheck(ds));
    }

    private String sqliteUrl() throws Exception {
        Path dir = Path.of(dataDir);
        Files.createDirectories(dir);
        return "jdbc:sqlite:" + dir.resolve("switchboard.db").toAbsolutePath();
    }

    /** The URL without credentials, for the log. */
    static String describe(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password|user)=[^&;]*", "$1=***");
    }
}
