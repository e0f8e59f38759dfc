package io.switchboard.store.doorbell;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * {@code doorbell:<channel>}: tells every instance on one database that rows are waiting for it.
 * The row is the truth; the doorbell carries ids only. On PostgreSQL a producer runs
 * {@code pg_notify} on the connection of the transaction that stored the row (so the ring is
 * heard exactly when the row is committed, never before) and a consumer LISTENs on a dedicated
 * connection of its own, reconnecting with backoff. On SQLite (one instance) the ring goes to the
 * consumers of this process after the commit.
 *
 * <p>Why not camel-pgevent: it needs the pgjdbc-ng driver (unmaintained) and brings Netty 4.1.63
 * back beside Vert.x's; the PostgreSQL driver already in the pom does LISTEN/NOTIFY itself.
 */
public final class DoorbellComponent extends DefaultComponent {

    /** Header of the exchange a consumer sends after (re)connecting: the epoch millis from which rows may have been missed. */
    public static final String CATCH_UP_SINCE = "DoorbellCatchUpSince";
    /** PostgreSQL's limit for a NOTIFY payload. */
    static final int MAX_PAYLOAD = 8000;
    private static final Pattern CHANNEL = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");

    private final DataSource pool;
    private final String url;
    private final Properties login;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final Duration catchUpMargin;
    private final Map<String, Set<InProcessConsumer>> local = new ConcurrentHashMap<>();

    /**
     * @param pool          the store's pool: a ring joins the caller's transaction on it
     * @param url           the store's JDBC URL; the LISTEN connection is opened from it, outside the pool
     * @param login         user, password and the application name the LISTEN connection shows in pg_stat_activity
     * @param firstBackoff  wait before the first reconnection attempt (doubling after each failure)
     * @param maxBackoff    longest wait between two reconnection attempts
     * @param catchUpMargin how far before the last moment the listener was known to hear a catch-up reaches back
     */
    public DoorbellComponent(DataSource pool, String url, Properties login, Duration firstBackoff, Duration maxBackoff,
                             Duration catchUpMargin) {
        this.firstBackoff = firstBackoff;
        this.pool = pool;
        this.url = url;
        this.login = login;
        this.maxBackoff = maxBackoff;
        this.catchUpMargin = catchUpMargin;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (!CHANNEL.matcher(remaining).matches()) {
            throw new IllegalArgumentException("A doorbell channel is lower case letters, digits and _: " + remaining);
        }
        DoorbellEndpoint endpoint = new DoorbellEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /** PostgreSQL rings across instances; anything else (SQLite) rings within this process. */
    boolean postgres() {
        return url.startsWith("jdbc:postgresql:");
    }

    DataSource pool() {
        return pool;
    }

    String url() {
        return url;
    }

    Properties login() {
        return login;
    }

    Duration firstBackoff() {
        return firstBackoff;
    }

    Duration maxBackoff() {
        return maxBackoff;
    }

    Duration catchUpMargin() {
        return catchUpMargin;
    }

    void subscribe(String channel, InProcessConsumer consumer) {
        local.computeIfAbsent(channel, c -> ConcurrentHashMap.newKeySet()).add(consumer);
    }

    void unsubscribe(String channel, InProcessConsumer consumer) {
        local.getOrDefault(channel, Set.of()).remove(consumer);
    }

    void ringLocally(String channel, String payload) {
        local.getOrDefault(channel, Set.of()).forEach(c -> c.ring(payload));
    }
}
