package io.switchboard.store;

import io.switchboard.observe.Systems;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The store's beans: the pooled {@code dataSource} that {@code sql:} endpoints find by default,
 * its {@code transactionManager} (and {@code storeTransaction} for the transacted EIP), and the
 * {@code idempotentRepository} for idempotentConsumer.
 * The database is opened and migrated while the beans are bound, before any route starts.
 */
@Configuration
public class StoreConfiguration implements CamelConfiguration {

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
    @PropertyInject(value = "switchboard.db.pool-min-idle", defaultValue = "2")
    int poolMinIdle;
    @PropertyInject(value = "switchboard.db.borrow-timeout", defaultValue = "PT5S")
    String borrowTimeout;
    @PropertyInject(value = "switchboard.db.start-timeout", defaultValue = "PT10S")
    String startTimeout;

    // Bean methods call each other; Camel binds each result once, so the instances are memoised here.
    private Store store;
    private DataSourceTransactionManager transactions;

    /** The store itself: the pool, its probe, where it points. */
    @BindToRegistry("store")
    public synchronized Store store() {
        if (store == null) {
            String jdbcUrl = url == null || url.isBlank() ? Store.sqliteUrl(Path.of(dataDir)) : url.trim();
            store = Store.open(new Store.Settings(jdbcUrl, user, password, poolSize, poolMinIdle,
                    Duration.parse(borrowTimeout.trim()), Duration.parse(startTimeout.trim())));
        }
        return store;
    }

    @BindToRegistry("dataSource")
    public DataSource dataSource() {
        return store().dataSource();
    }

    /**
     * Spring's transaction manager on the pool. {@code sql:} steps run on the same thread inside
     * {@code new TransactionTemplate(transactionManager).execute(...)} share one connection and
     * one transaction: on SQLite an IMMEDIATE one (see {@link Store#sqliteConfig()}), exact for a
     * read-then-write. On PostgreSQL (read committed) two such transactions can read the same
     * value (16 threads × 50 select-then-update increments kept 130 to 159 of 800): make the
     * first statement an UPDATE of the row about to be read, the portable FOR UPDATE, or write
     * with one conditional statement.
     */
    @BindToRegistry("transactionManager")
    public synchronized PlatformTransactionManager transactionManager() {
        if (transactions == null) {
            transactions = new DataSourceTransactionManager(dataSource());
        }
        return transactions;
    }

    /**
     * The {@code transacted} EIP's policy ({@code transacted: {ref: storeTransaction}}): the steps
     * after it, and the {@code direct:} routes they call, share one connection and one transaction.
     */
    @BindToRegistry("storeTransaction")
    public SpringTransactionPolicy storeTransaction() {
        return new SpringTransactionPolicy(transactionManager());
    }

    /**
     * Processed message ids for idempotentConsumer, kept in the store so they survive restarts and
     * are shared by every instance on one PostgreSQL. One namespace for all routes: prefix keys
     * with the route's purpose (e.g. {@code broker-send:<key>}) when two routes could share one.
     */
    @BindToRegistry("retention")
    public Retention retention() {
        return new Retention(Clock.systemUTC());
    }

    @BindToRegistry("idempotentRepository")
    public IdempotentRepository idempotentRepository() {
        return new ProcessedMessageIds(dataSource(), new TransactionTemplate(transactionManager()), "switchboard");
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        Store opened = store();
        // Registry beans are never closed by Camel; a service is stopped with the context, after the routes.
        camel.addService(opened);
        HealthCheckHelper.getHealthCheckRegistry(camel).register(new StoreHealthCheck(opened));
        // switchboard_info lists the store beside the bridged systems. The systems bean belongs to
        // another configuration class, bound in an order of Camel's choosing: look it up at start.
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                Systems systems = context.getRegistry().lookupByNameAndType("systems", Systems.class);
                if (systems != null) {
                    systems.register("store", () -> status(opened));
                }
            }
        });
    }

    static Systems.Status status(Store store) {
        Store.Probe probe = store.probe();
        String detail = probe.database() + ", pool " + probe.active() + " active/" + probe.idle() + " idle/"
                + probe.max() + " max" + (probe.up() ? "" : ": " + probe.error());
        return new Systems.Status("store", true, probe.up() ? Systems.State.CONNECTED : Systems.State.DISCONNECTED, detail);
    }
}
