package io.switchboard.mcp;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs a {@code direct:} route for an MCP request on a bounded worker pool, never on the HTTP
 * event loop: routes may block (databases, remote systems); only a route declared never to block
 * runs in place. A full pool answers at once with a
 * RejectedExecutionException, which the caller reports as {@code queue_full}.
 */
public final class RouteInvoker {

    private final CamelContext camel;
    private final ProducerTemplate template;
    private final Scheduler workers;

    public RouteInvoker(CamelContext camel, ExecutorService workerPool) {
        this.camel = camel;
        this.template = camel.createProducerTemplate();
        // asyncSend on the caller's thread through Camel's asynchronous routing (no extra pool): a
        // route whose step answers later (a bean returning a future, e.g. an MQTT collection) gives
        // the thread back at once and finishes on whichever thread completes it; synchronous routes
        // run to the end on the caller as before.
        this.template.setThreadedAsyncMode(false);
        this.workers = Schedulers.fromExecutorService(workerPool, "mcp-routes");
    }

    public Endpoint endpoint(String uri) {
        return camel.getEndpoint(uri);
    }

    /** Sends {@code body} with {@code headers} into the route; the Mono carries the finished exchange. */
    public Mono<Exchange> call(Endpoint endpoint, Object body, Map<String, Object> headers, CallContext call,
                               Duration timeout) {
        return send(endpoint, body, headers, call)
                .subscribeOn(workers)
                .timeout(timeout);
    }

    /**
     * The same, on the calling thread (the event loop): only for a route declared never to block
     * ({@code blocking: false}), which finishes before this returns, so there is nothing to time out.
     */
    public Mono<Exchange> callInPlace(Endpoint endpoint, Object body, Map<String, Object> headers, CallContext call) {
        return send(endpoint, body, headers, call);
    }

    private Mono<Exchange> send(Endpoint endpoint, Object body, Map<String, Object> headers, CallContext call) {
        return Mono.defer(() -> Mono.fromFuture(template.asyncSend(endpoint, ex -> {
            ex.getMessage().setBody(body);
            ex.getMessage().getHeaders().putAll(headers);
            if (call != null) {
                ex.setProperty(CallContext.PROPERTY, call);
            }
        })));
    }

    public void close() throws Exception {
        template.close();
        workers.dispose();
    }
}
