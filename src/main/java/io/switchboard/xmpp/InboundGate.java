package io.switchboard.xmpp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.jivesoftware.smack.packet.Stanza;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Boundary 1's back-pressure (seed 000): decides, before a stanza enters the bounded priority queue
 * behind {@code seda:xmpp-in}, whether it may. Load below 0.7 admits everything, below 0.9 medium
 * and high, above that high only; a full queue drops its oldest low-priority message to make room;
 * one sender may not exceed its rate with medium/low messages; a breaker that sees mostly refusals
 * sheds everything but high priority for a while. Every drop is counted and logged with its reason.
 */
public final class InboundGate {

    private static final Logger LOG = LoggerFactory.getLogger(InboundGate.class);
    public static final String PRIORITY = "XmppPriority";
    public static final String SEQ = "XmppSeq";
    public static final String ENQUEUED_NANOS = "XmppEnqueuedNanos";
    public static final String SENDER = "XmppSender";

    /** Highest priority first, then arrival order: what the seda consumer takes next. */
    public static final Comparator<Exchange> ORDER = Comparator
            .comparingInt((Exchange e) -> -priorityOf(e).ordinal())
            .thenComparingLong(InboundGate::seqOf);

    private final PriorityBlockingQueue<Exchange> queue;
    private final int capacity;
    private final int hardLimit;
    private final Set<String> allowed;
    private final int perSenderRate;
    private final Cache<String, RateLimiter> senders;
    private final CircuitBreaker breaker;
    private final AtomicLong seq = new AtomicLong();
    private final Supplier<MeterRegistry> metrics;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final MeterRegistry fallbackMetrics = new SimpleMeterRegistry();
    private volatile ProducerTemplate producer;
    private volatile Endpoint sedaIn;

    public InboundGate(PriorityBlockingQueue<Exchange> queue, XmppSettings settings, Supplier<MeterRegistry> metrics) {
        this.queue = queue;
        this.capacity = settings.inboundQueueSize();
        // The seed's PRIORITY_QUEUE_SIZE: room kept for high priority beyond the queue's size.
        this.hardLimit = settings.inboundQueueSize() + settings.priorityReserve();
        this.allowed = settings.allowedSenders();
        this.perSenderRate = settings.perSenderRate();
        this.metrics = metrics;
        this.senders = Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).maximumSize(10_000).build();
        this.breaker = CircuitBreaker.of("xmpp-inbound", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(200).minimumNumberOfCalls(100).failureRateThreshold(80)
                .waitDurationInOpenState(Duration.ofSeconds(2))
                .permittedNumberOfCallsInHalfOpenState(20)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
    }

    /** Where admitted stanzas go: seda:xmpp-in, whose queue is {@code queue}. Set at start. */
    public void bindTo(ProducerTemplate producer, Endpoint sedaIn) {
        this.producer = producer;
        this.sedaIn = sedaIn;
    }

    /**
     * What else is already waiting, highest priority first: the inbound route takes it with the
     * stanza seda handed it, so one database transaction stores a burst (nothing waits to fill a batch).
     */
    public List<Exchange> drain(int max) {
        List<Exchange> more = new ArrayList<>();
        queue.drainTo(more, max);
        return more;
    }

    public double load() {
        return (double) queue.size() / capacity;
    }

    public int depth() {
        return queue.size();
    }

    public String breakerState() {
        return breaker.getState().name().toLowerCase(Locale.ROOT);
    }

    /** Offers one stanza from {@code sender} (bare JID); answers whether it entered the queue. */
    public synchronized boolean offer(Stanza stanza, String sender) {
        Priority priority = Priority.of(stanza);
        String refusal = refusal(priority, sender);
        if (refusal != null) {
            drop(priority, sender, refusal);
            return false;
        }
        long n = seq.incrementAndGet();
        producer.send(sedaIn, exchange -> {
            exchange.getMessage().setBody(stanza);
            exchange.getMessage().setHeader(PRIORITY, priority);
            exchange.getMessage().setHeader(SEQ, n);
            exchange.getMessage().setHeader(SENDER, sender);
            exchange.getMessage().setHeader(ENQUEUED_NANOS, System.nanoTime());
        });
        return true;
    }

    private String refusal(Priority priority, String sender) {
        if (!allowed.isEmpty() && !allowed.contains(sender.toLowerCase(Locale.ROOT))) {
            return "sender_not_allowed";
        }
        if (priority != Priority.HIGH && perSenderRate > 0
                && !senders.get(sender, this::limiter).acquirePermission()) {
            return "sender_rate_limited";
        }
        if (priority != Priority.HIGH && !breaker.tryAcquirePermission()) {
            return "overloaded_breaker_open";
        }
        String refusal = byLoad(priority);
        if (priority != Priority.HIGH) {
            if (refusal == null) {
                breaker.onSuccess(0, java.util.concurrent.TimeUnit.NANOSECONDS);
            } else {
                breaker.onError(0, java.util.concurrent.TimeUnit.NANOSECONDS, new IllegalStateException(refusal));
            }
        }
        return refusal;
    }

    /** The seed's thresholds, and the FIFO drop of the oldest low-priority message when full. */
    private String byLoad(Priority priority) {
        double load = load();
        if (load >= 1.0) {
            if (priority == Priority.LOW) {
                return "queue_full";
            }
            if (!evictOldestLow() && (priority == Priority.MEDIUM || queue.size() >= hardLimit)) {
                return "queue_full";
            }
            return null;
        }
        if (load >= 0.9 && priority != Priority.HIGH) {
            return "load_shed_high_only";
        }
        if (load >= 0.7 && priority == Priority.LOW) {
            return "load_shed_medium_and_up";
        }
        return null;
    }

    private boolean evictOldestLow() {
        Optional<Exchange> oldest = queue.stream().filter(e -> priorityOf(e) == Priority.LOW)
                .min(Comparator.comparingLong(InboundGate::seqOf));
        if (oldest.isPresent() && queue.remove(oldest.get())) {
            drop(Priority.LOW, String.valueOf(oldest.get().getMessage().getHeader(SENDER)), "evicted_oldest_low");
            return true;
        }
        return false;
    }

    private RateLimiter limiter(String sender) {
        return RateLimiter.of("xmpp-sender", RateLimiterConfig.custom()
                .limitForPeriod(perSenderRate).limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO)
                .build());
    }

    private void drop(Priority priority, String sender, String reason) {
        counter(priority, reason).increment();
        LOG.warn("XMPP inbound dropped: reason={} priority={} sender={} queue={}/{}", reason, priority.label(), sender,
                queue.size(), capacity);
    }

    private Counter counter(Priority priority, String reason) {
        return counters.computeIfAbsent(priority + "/" + reason, k -> {
            MeterRegistry registry = metrics.get();
            return Counter.builder("switchboard.xmpp.inbound.dropped").description("Inbound XMPP stanzas dropped by back-pressure")
                            .tag("priority", priority.label()).tag("reason", reason).register(registry == null ? fallbackMetrics : registry);
        });
    }

    /** Drops so far, by priority/reason (ping shows them). */
    public Map<String, Long> drops() {
        Map<String, Long> m = new java.util.TreeMap<>();
        counters.forEach((k, c) -> m.put(k, (long) c.count()));
        return m;
    }

    public void registerGauges(MeterRegistry registry) {
        Gauge.builder("switchboard.xmpp.inbound.queue.depth", queue, PriorityBlockingQueue::size)
                .description("Stanzas waiting behind seda:xmpp-in").register(registry);
    }

    static Priority priorityOf(Exchange e) {
        Object p = e.getMessage().getHeader(PRIORITY);
        return p instanceof Priority pr ? pr : Priority.LOW;
    }

    static long seqOf(Exchange e) {
        Object s = e.getMessage().getHeader(SEQ);
        return s instanceof Long l ? l : Long.MAX_VALUE;
    }
}
