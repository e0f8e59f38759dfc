package io.switchboard.mqtt;

import io.switchboard.mcp.Caller;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening MQTT tools (collect, list topics, topic schema, debug device, monitor) wait up to
 * minutes for messages. They wait here without holding a thread: the tool's bean method returns a
 * future, which Camel's bean processor completes the route with (asynchronous routing), and the
 * future is completed by the collector reaching its count (on the subscription's queue thread) or
 * by a scheduled deadline. Progress notifications are scheduled too. The subscription is closed,
 * and the result built, on a small pool of its own: never on the queue thread that is being shut
 * down, never on the timer thread that must stay punctual.
 */
final class TimedListening {

    private static final Logger LOG = LoggerFactory.getLogger(TimedListening.class);

    private final CamelContext camel;
    private final Subscriptions subscriptions;
    private volatile ScheduledExecutorService timers;
    private volatile ExecutorService finishers;

    TimedListening(CamelContext camel, Subscriptions subscriptions) {
        this.camel = camel;
        this.subscriptions = subscriptions;
    }

    /** Lets a collector end the wait early, before the deadline (it has what it wanted). */
    static final class Listening {
        final CompletableFuture<String> stopped = new CompletableFuture<>();

        void finish() {
            stopped.complete("max_messages");
        }
    }

    /**
     * Subscribes {@code filter}, lets {@code sink} see every message until {@code seconds} pass or
     * {@code l} is finished, reports progress each second if the client asked for it, unsubscribes,
     * and completes with why it stopped ("duration" or "max_messages"). Returns once subscribed.
     */
    CompletableFuture<String> listen(Exchange ex, MqttSession s, String filter, int seconds, Listening l,
                                     Consumer<Received> sink, Supplier<String> status) {
        Subscriptions.Subscription sub = subscriptions.open(s, filter, sink);
        Caller caller = camel.getRegistry().lookupByNameAndType("mcp", Caller.class);
        long start = System.nanoTime();
        ScheduledExecutorService t = timers();
        ScheduledFuture<?> deadline = t.schedule(() -> l.stopped.complete("duration"), seconds, TimeUnit.SECONDS);
        ScheduledFuture<?> progress = caller == null ? null : t.scheduleAtFixedRate(() -> finishers().execute(() -> {
            if (l.stopped.isDone()) {
                return;
            }
            try {
                double elapsed = Math.min(seconds, (System.nanoTime() - start) / 1e9);
                caller.progress(ex, Math.floor(elapsed), (double) seconds, status.get());
            } catch (RuntimeException ignored) {
                // Not called by an MCP client, or the client went away: the collection goes on.
            }
        }), 1, 1, TimeUnit.SECONDS);
        return l.stopped.whenCompleteAsync((why, e) -> {
            deadline.cancel(false);
            if (progress != null) {
                progress.cancel(false);
            }
            sub.close();
            LOG.debug("Listening on {} stopped: {}", filter, why);
        }, finishers());
    }

    /** Where a listening tool builds its result once the wait is over (it may still do short blocking work). */
    ExecutorService finishers() {
        if (finishers == null) {
            synchronized (this) {
                if (finishers == null) {
                    // Camel's default profile: bounded, and shut down with the context.
                    finishers = camel.getExecutorServiceManager().newDefaultThreadPool(this, "mqtt-listening");
                }
            }
        }
        return finishers;
    }

    private ScheduledExecutorService timers() {
        if (timers == null) {
            synchronized (this) {
                if (timers == null) {
                    timers = camel.getExecutorServiceManager().newScheduledThreadPool(this, "mqtt-listening-timer", 1);
                }
            }
        }
        return timers;
    }
}
