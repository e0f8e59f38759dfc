package io.switchboard.mcp;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The worker pool in front of request handling: large bodies are parsed, and tool arguments
 * guarded, validated and handed to the SDK, here rather than on the Vert.x event loop, which must
 * stay free to accept connections and answer probes. The pool's queue is bounded (a Camel thread
 * pool profile); a full queue is answered 503 by the caller.
 */
final class RequestWorkers {

    private static final String LOOP = "switchboard.mcp.loop";
    private final ExecutorService pool;

    RequestWorkers(ExecutorService pool) {
        this.pool = pool;
    }

    /** Runs {@code work} on a worker, which still writes through the request's event loop; false when the queue is full. */
    boolean offload(RoutingContext ctx, Runnable work) {
        if (pool == null) {
            work.run();
            return true;
        }
        if (ctx.get(LOOP) == null) {
            ctx.put(LOOP, Vertx.currentContext());
        }
        try {
            pool.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** The event loop that owns the request's connection, wherever the code asking runs. */
    static Context loop(RoutingContext ctx) {
        Context c = ctx.get(LOOP);
        return c != null ? c : Vertx.currentContext();
    }
}
