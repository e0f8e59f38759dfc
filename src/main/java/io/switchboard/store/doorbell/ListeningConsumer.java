package io.switchboard.store.doorbell;

import io.github.resilience4j.core.IntervalFunction;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs on one channel over a dedicated connection (not the pool's: it is held for as long as
 * the route runs). Every notification becomes an exchange whose body is its payload. After each
 * (re)connection, before any notification, an exchange with header
 * {@link DoorbellComponent#CATCH_UP_SINCE} and no body asks the route to catch up from the
 * database: a NOTIFY sent while nobody listened is gone, the row is not.
 */
final class ListeningConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(ListeningConsumer.class);
    /** How long one wait for notifications lasts: also how soon a stop is noticed. */
    private static final int POLL_MILLIS = 500;
    /** A quiet connection is checked this often: a dead peer without a FIN would otherwise go unnoticed. */
    private static final long VALIDATE_MILLIS = 5000;

    private final DoorbellEndpoint endpoint;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ExecutorService executor;
    private volatile boolean running;
    /** Waits before reconnecting: the first, doubling, at most the longest (resilience4j's exponential backoff). */
    private IntervalFunction backoff;

    ListeningConsumer(DoorbellEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        running = true;
        DoorbellComponent component = endpoint.getComponent();
        backoff = IntervalFunction.ofExponentialBackoff(component.firstBackoff(), 2.0, component.maxBackoff());
        executor = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadExecutor(this, "doorbell-listen-" + endpoint.channel());
        executor.execute(this::listenUntilStopped);
    }

    @Override
    protected void doStop() throws Exception {
        running = false;
        stopped.countDown();
        if (executor != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownNow(executor);
        }
        super.doStop();
    }

    private void listenUntilStopped() {
        DoorbellComponent component = endpoint.getComponent();
        // Rows stored before this process started are caught up by the route's own start-up; from here on we answer.
        long heardUntil = System.currentTimeMillis();
        int failures = 0;
        while (running) {
            try (Connection c = DriverManager.getConnection(component.url(), component.login())) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + endpoint.channel());
                }
                if (failures > 0) {
                    LOG.info("Doorbell {} listening again after {} failed attempts", endpoint.channel(), failures);
                }
                failures = 0;
                // Listening from now on: whatever was committed since we last surely listened is read from the rows.
                dispatch(null, heardUntil - component.catchUpMargin().toMillis());
                PGConnection pg = c.unwrap(PGConnection.class);
                long lastChecked = System.currentTimeMillis();
                while (running) {
                    long before = System.currentTimeMillis();
                    PGNotification[] rings = pg.getNotifications(POLL_MILLIS);
                    if (rings != null) {
                        for (PGNotification ring : rings) {
                            dispatch(ring.getParameter(), null);
                        }
                    }
                    if (System.currentTimeMillis() - lastChecked >= VALIDATE_MILLIS) {
                        if (!c.isValid(2)) {
                            throw new SQLException("the LISTEN connection stopped answering");
                        }
                        lastChecked = System.currentTimeMillis();
                    }
                    // Every NOTIFY committed before this poll began has been received by now.
                    heardUntil = before;
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                failures++;
                long wait = backoff.apply(failures);
                LOG.warn("Doorbell {} lost its LISTEN connection ({}); reconnecting in {} ms", endpoint.channel(),
                        e.getMessage(), wait);
                try {
                    if (stopped.await(wait, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void dispatch(String payload, Long catchUpSince) {
        Exchange exchange = createExchange(false);
        exchange.getMessage().setBody(payload);
        if (catchUpSince != null) {
            exchange.getMessage().setHeader(DoorbellComponent.CATCH_UP_SINCE, catchUpSince);
        }
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        if (exchange.getException() != null) {
            getExceptionHandler().handleException("Doorbell ring failed", exchange, exchange.getException());
        }
        releaseExchange(exchange, false);
    }
}
