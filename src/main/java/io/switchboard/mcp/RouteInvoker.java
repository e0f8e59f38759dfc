package io.switchboard.mcp;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.apache.camel.AsyncProducer;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs a {@code direct:} route for an MCP request on a bounded worker pool, never on the HTTP
 * event loop: routes may block (databases, remote systems). A full pool answers at once with a
 * RejectedExecutionException, which the caller reports as {@code queue_full}.
 */
public final class RouteInvoker {

    private final CamelContext camel;
    private final Scheduler workers;
    private final Map<String, AsyncProducer> producers = new ConcurrentHashMap<>();

    public RouteInvoker(CamelContext camel, ExecutorService workerPool) {
        this.camel = camel;
        this.workers = Schedulers.fromExecutorService(workerPool, "mcp-routes");
    }

    public Endpoint endpoint(String uri) {
        return camel.getEndpoint(uri);
    }

    /** Sends {@code body} with {@code headers} into the route; the Mono carries the finished exchange. */
    public Mono<Exchange> call(Endpoint endpoint, Object body, Map<String, Object> headers, CallContext call,
                               Duration timeout) {
        // Camel's asynchronous routing: a route whose step answers later (a bean returning a future,
        // e.g. an MQTT collection) gives the worker back at once and finishes on whichever thread
        // completes it. Synchronous routes run to the end on the worker as before.
        return Mono.<Exchange>create(sink -> {
                    Exchange ex = endpoint.createExchange();
                    ex.getMessage().setBody(body);
                    ex.getMessage().getHeaders().putAll(headers);
                    if (call != null) {
                        ex.setProperty(CallContext.PROPERTY, call);
                    }
                    try {
                        producer(endpoint).process(ex, doneSync -> sink.success(ex));
                    } catch (Exception e) {
                        sink.error(e);
                    }
                })
                .subscribeOn(workers)
                .timeout(timeout);
    }

    private AsyncProducer producer(Endpoint endpoint) throws Exception {
        AsyncProducer p = producers.get(endpoint.getEndpointUri());
        if (p == null) {
            synchronized (producers) {
                p = producers.get(endpoint.getEndpointUri());
                if (p == null) {
                    p = endpoint.createAsyncProducer();
                    ServiceHelper.startService(p);
                    producers.put(endpoint.getEndpointUri(), p);
                }
            }
        }
        return p;
    }

    public void close() throws Exception {
        producers.values().forEach(ServiceHelper::stopAndShutdownService);
        workers.dispose();
    }
}
