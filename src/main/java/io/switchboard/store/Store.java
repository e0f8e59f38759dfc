package io.switchboard.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.apache.camel.Service;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The database every system keeps its state in, opened and migrated: one HikariCP pool, SQLite
 * in the data folder unless the URL names another database (PostgreSQL for several instances).
 * Routes reach it as the {@code dataSource} bean through {@code sql:} endpoints.
 */
public final class Store implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(Store.class);

    /** Where the schema migrations live; the same files migrate SQLite and PostgreSQL. */
    static final String MIGRATIONS = "classpath:db/migration";

    /**
     * What a dialect cannot share (full-text search: SQLite FTS5 vs PostgreSQL tsvector) lives in
     * one folder per database, versioned between the portable migrations (V4_1 after V4). Flyway
     * reads both locations as one sequence, so the schema history stays one list per database and
     * the DDL stays SQL that a DBA can read, rather than statements chosen in Java at start.
     */
    static String vendorMigrations(Settings settings) {
        return "classpath:db/vendor/" + (settings.sqlite() ? "sqlite" : "postgresql");
    }

    /**
     * How to reach the store.
     *
     * @param poolSize       most connections open at once (SQLite still has one writer at a time)
     * @param minIdle        connections kept open while idle
     * @param borrowTimeout  how long a caller waits for a pooled connection (and the readiness probe for its answer)
     * @param startTimeout   how long start-up keeps trying to reach the database before it gives up
     */
    public record Settings(String url, String user, String password, int poolSize, int minIdle,
                           Duration borrowTimeout, Duration startTimeout) {

        public boolean sqlite() {
            return url.startsWith("jdbc:sqlite:");
        }

        /** Never prints the password, wherever a Settings ends up. */
        @Override
        public String toString() {
            return "Settings[url=" + redact(url) + ", user=" + user + ", poolSize=" + poolSize + ", minIdle=" + minIdle
                    + ", borrowTimeout=" + borrowTimeout + ", startTimeout=" + startTimeout + "]";
        }
    }

    /** One answer of the store to a trivial query, with the pool's state. */
    public record Probe(boolean up, String database, int active, int idle, int max, String error) {
    }

    /** Readiness asks twice per request (store, system-store): one answer serves both. */
    private static final long PROBE_REUSE_MILLIS = 1000;

    private final HikariDataSource dataSource;
    private final String location;
    private final String database;
    private volatile Probe lastProbe;
    private volatile long lastProbeAt;

    private Store(HikariDataSource dataSource, String location, String database) {
        this.dataSource = dataSource;
        this.location = location;
        this.database = database;
    }

    /**
     * Opens the pool and applies the migrations not applied yet. Fails with the database's own
     * reason (unreachable, authentication failed, a migration edited after it ran), never with
     * the password.
     */
    public static Store open(Settings settings) {
        String url = settings.url().trim();
        String location = redact(url);
        HikariConfig config = new HikariConfig();
        config.setPoolName("switchboard-store");
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(settings.minIdle(), settings.poolSize()));
        config.setConnectionTimeout(settings.borrowTimeout().toMillis());
        // Start-up keeps trying this long (a database container starting beside us), then fails
        // with the last reason instead of leaving a gateway that cannot store anything.
        config.setInitializationFailTimeout(Math.max(1, settings.startTimeout().toMillis()));
        if (settings.sqlite()) {
            createParentFolder(url);
            config.setDataSourceProperties(sqliteConfig().toProperties());
        } else {
            if (!settings.user().isBlank()) {
                config.setUsername(settings.user());
            }
            if (!settings.password().isBlank()) {
                config.setPassword(settings.password());
            }
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw failure("The store at " + location + " cannot be opened: " + reason(e), e);
        }
        try {
            int applied = Flyway.configure()
                    .dataSource(dataSource)
                    .locations(MIGRATIONS, vendorMigrations(settings))
                    // An empty location means a packaging mistake, not a database without tables.
                    .failOnMissingLocations(true)
                    .load()
                    .migrate()
                    .migrationsExecuted;
            Store store = new Store(dataSource, location, product(dataSource));
            LOG.info("Store ready: {} on {} ({} migrations applied now)", store.database, location, applied);
            return store;
        } catch (RuntimeException e) {
            dataSource.close();
            throw failure("The store at " + location + " cannot be migrated: " + reason(e), e);
        }
    }

    /**
     * SQLite as several threads use it: WAL lets readers run beside the one writer and NORMAL
     * syncs at checkpoints only (safe with WAL; a power cut may lose the last commits, never
     * corrupt). A writer that finds the lock taken waits up to 5 s instead of failing
     * SQLITE_BUSY at once (438 of 1,600 concurrent inserts failed with busy_timeout 0).
     *
     * <p>IMMEDIATE, pool-wide: a transaction (never a plain auto-commit statement, which is what
     * {@code sql:} endpoints run by default) takes the write lock when it begins, so two
     * read-then-write transactions cannot both read and then fail upgrading to a write. Measured
     * here with 16 threads × 50 select-then-update transactions: DEFERRED failed 149 to 225 of
     * 800 (SQLITE_BUSY) and lost as many increments; IMMEDIATE failed none, lost none, and was
     * no slower; auto-commit inserts are unaffected. The price: sqlite-jdbc begins the next
     * IMMEDIATE transaction as soon as a connection leaves auto-commit and again right after each
     * commit, so a connection left in manual-commit mode holds the write lock while idle (Spring's
     * transaction manager and HikariCP put it back in auto-commit when a transaction ends), and a
     * commit can report SQLITE_BUSY, already committed, when other writers held the lock for
     * longer than the busy timeout.
     */
    static SQLiteConfig sqliteConfig() {
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        sqlite.setBusyTimeout(5000);
        sqlite.enforceForeignKeys(true);
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return sqlite;
    }

    /** The default store: {@code switchboard.db} in the data folder. */
    public static String sqliteUrl(Path dataDir) {
        return "jdbc:sqlite:" + dataDir.resolve("switchboard.db").toAbsolutePath().normalize();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Product and version, e.g. "PostgreSQL 15.14". */
    public String database() {
        return database;
    }

    /** The URL without credentials. */
    public String location() {
        return location;
    }

    /**
     * Asks the database {@code select 1} through the pool, waiting at most the borrow timeout for a
     * connection; an answer less than a second old is given again.
     */
    public Probe probe() {
        long now = System.currentTimeMillis();
        Probe last = lastProbe;
        if (last != null && now - lastProbeAt < PROBE_REUSE_MILLIS) {
            return last;
        }
        Probe probe = probeNow();
        lastProbe = probe;
        lastProbeAt = System.currentTimeMillis();
        return probe;
    }

    private Probe probeNow() {
        HikariPoolMXBean pool = dataSource.getHikariPoolMXBean();
        int max = dataSource.getMaximumPoolSize();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(2);
            s.execute("select 1");
            return new Probe(true, database, pool.getActiveConnections(), pool.getIdleConnections(), max, null);
        } catch (Exception e) {
            int active = pool == null ? 0 : pool.getActiveConnections();
            int idle = pool == null ? 0 : pool.getIdleConnections();
            return new Probe(false, database, active, idle, max, reason(e));
        }
    }

    /** Opened by {@link #open}: nothing more to start. */
    @Override
    public void start() {
    }

    /** Closes the pool; Camel calls it when the context stops, after the routes stopped. */
    @Override
    public void stop() {
        dataSource.close();
    }

    @Override
    public void close() {
        stop();
    }

    public boolean isClosed() {
        return dataSource.isClosed();
    }

    /** The URL as it may be logged: password (and user) parameters masked. */
    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)((?:password|user)=)[^&;]*", "$1***")
                // PostgreSQL also accepts postgresql://user:password@host/...
                .replaceAll("//[^/@]*@", "//***@");
    }

    private static String product(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            DatabaseMetaData meta = c.getMetaData();
            return meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion();
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** sqlite-jdbc does not create folders: {@code jdbc:sqlite:data/x.db} in a fresh checkout would fail. */
    private static void createParentFolder(String url) {
        String file = url.substring("jdbc:sqlite:".length());
        if (file.isBlank() || file.contains(":memory:") || file.contains("mode=memory")) {
            // Every pooled connection would get a database of its own.
            throw new IllegalStateException("An in-memory SQLite database cannot back a connection pool: use a file");
        }
        int query = file.indexOf('?');
        if (query >= 0) {
            file = file.substring(0, query);
        }
        if (file.startsWith("file:")) {
            file = file.substring("file:".length());
        }
        Path parent = Path.of(file).toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create the store's folder " + parent + ": " + e.getMessage(), e);
        }
    }

    /** Camel wraps a failed bean in three exceptions: the reason gets a line of its own at the top of the log. */
    private static IllegalStateException failure(String message, RuntimeException cause) {
        LOG.error(message);
        return new IllegalStateException(message, cause);
    }

    /** The database's own words: the innermost SQLException (the driver's message), else the root cause. */
    static String reason(Throwable e) {
        String reason = null;
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException && t.getMessage() != null) {
                reason = t.getMessage();
            }
            root = t;
        }
        if (reason == null) {
            reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        }
        return reason;
    }
}
