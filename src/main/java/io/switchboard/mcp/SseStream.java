package io.switchboard.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One stream of server-to-client messages: the answer to one POST, or a session's listening (GET)
 * stream. It outlives the HTTP connection that carries it: every event gets an id and stays in a
 * bounded replay buffer, so a client whose connection dropped reconnects with {@code Last-Event-ID}
 * and receives what it missed, then whatever follows.
 *
 * <p>A POST stream answers plain JSON when the final response is the first and only message, and
 * turns into SSE as soon as anything (progress, logging, a server request) comes before it.
 *
 * <p>All writes go through the Vert.x context of the connection that carries the stream, so they
 * never race and never block the event loop; the order of events is fixed under this object's lock.
 */
final class SseStream implements McpStreamableServerTransport {

    private static final Logger LOG = LoggerFactory.getLogger(SseStream.class);

    enum Kind { POST, LISTENING }

    private enum Mode { PENDING, JSON, SSE }

    private record Event(long seq, String data) {
    }

    private final String id;
    private final Kind kind;
    private final ClientSession owner;
    private final McpJsonMapper jsonMapper;
    private final int bufferLimit;
    private final ArrayDeque<Event> buffer = new ArrayDeque<>();

    private Mode mode = Mode.PENDING;
    private long seq;
    /** The last event handed to a live connection: a fresh GET continues after it. */
    private long written;
    private boolean completed;
    private Context context;
    private HttpServerResponse response;

    SseStream(Kind kind, ClientSession owner, McpJsonMapper jsonMapper, int bufferLimit,
              Context context, HttpServerResponse response) {
        // Unique within the session, which is what Last-Event-ID is resolved against.
        this.id = owner.nextStreamId();
        this.kind = kind;
        this.owner = owner;
        this.jsonMapper = jsonMapper;
        this.bufferLimit = bufferLimit;
        this.context = context;
        this.response = response;
        if (response != null) {
            response.closeHandler(v -> detach(response));
        }
    }

    String id() {
        return id;
    }

    Kind kind() {
        return kind;
    }

    synchronized boolean isAttached() {
        return response != null;
    }

    synchronized boolean isCompleted() {
        return completed;
    }

    /** Opens the SSE response now (headers and the priming event), as a GET stream must. */
    synchronized void open() {
        startSse();
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
        // The SDK sends the final response of a request without an event id, notifications with one.
        return send(message, kind == Kind.POST);
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
        return send(message, false);
    }

    private Mono<Void> send(McpSchema.JSONRPCMessage outgoing, boolean isFinal) {
        // The SDK words some errors with Java type names: never for a client's eyes.
        McpSchema.JSONRPCMessage message = outgoing instanceof McpSchema.JSONRPCResponse r ? RequestParams.clientSafe(r) : outgoing;
        return Mono.create(sink -> {
            String json;
            try {
                json = jsonMapper.writeValueAsString(message);
            } catch (Exception e) {
                sink.error(e);
                return;
            }
            owner.touch();
            synchronized (this) {
                if (completed) {
                    LOG.debug("Dropping a message for completed stream {}", id);
                    sink.success();
                    return;
                }
                if (mode == Mode.PENDING && isFinal) {
                    writeJson(json, sink);
                    return;
                }
                startSse();
                Event event = new Event(++seq, json);
                buffer.addLast(event);
                while (buffer.size() > bufferLimit) {
                    buffer.removeFirst();
                }
                writeEvent(event, sink);
            }
        });
    }

    /** Ends the HTTP response but keeps the stream: later messages wait for a resuming client. */
    synchronized void closeConnection() {
        startSse();
        HttpServerResponse r = response;
        response = null;
        if (r != null) {
            context.runOnContext(v -> endQuietly(r));
        }
    }

    /**
     * Continues this stream on a new connection after {@code lastSeq}: replays the buffered events
     * that follow it, then carries what comes next. Answers false when events after {@code lastSeq}
     * already left the buffer, so the client would miss something.
     */
    synchronized boolean resume(long lastSeq, Context newContext, HttpServerResponse newResponse) {
        if (!buffer.isEmpty() && buffer.peekFirst().seq() > lastSeq + 1) {
            return false;
        }
        HttpServerResponse previous = response;
        if (previous != null && previous != newResponse) {
            context.runOnContext(v -> endQuietly(previous));
        }
        context = newContext;
        response = newResponse;
        newResponse.closeHandler(v -> detach(newResponse));
        mode = Mode.SSE;
        List<Event> missed = new ArrayList<>();
        for (Event e : buffer) {
            if (e.seq() > lastSeq) {
                missed.add(e);
            }
        }
        boolean endAfterReplay = completed;
        newContext.runOnContext(v -> {
            if (newResponse.closed()) {
                return;
            }
            writeSseHeaders(newResponse);
            for (Event e : missed) {
                newResponse.write(format(e));
            }
            if (endAfterReplay) {
                endQuietly(newResponse);
            }
        });
        if (endAfterReplay) {
            response = null;
        }
        return true;
    }

    /**
     * A GET without Last-Event-ID takes over a listening stream nobody is connected to: what was
     * sent while no connection existed (e.g. between initialize and the client's GET) follows the
     * priming event; what an earlier connection already received is not sent again.
     */
    synchronized void attach(Context newContext, HttpServerResponse newResponse) {
        context = newContext;
        response = newResponse;
        newResponse.closeHandler(v -> detach(newResponse));
        mode = Mode.SSE;
        List<Event> pending = new ArrayList<>();
        for (Event e : buffer) {
            if (e.seq() > written) {
                pending.add(e);
            }
        }
        long primingSeq = pending.isEmpty() ? seq : pending.get(0).seq() - 1;
        boolean priming = owner.wantsPrimingEvents();
        long retry = owner.sseRetryMillis();
        if (!pending.isEmpty()) {
            written = pending.get(pending.size() - 1).seq();
        }
        newContext.runOnContext(v -> {
            if (newResponse.closed() || newResponse.ended()) {
                return;
            }
            writeSseHeaders(newResponse);
            newResponse.write(priming ? "id: " + id + "_" + primingSeq + "\nretry: " + retry + "\ndata: \n\n" : ": stream open\n\n");
            for (Event e : pending) {
                newResponse.write(format(e));
            }
        });
    }

    /** Writes an SSE comment so proxies and clients keep an idle connection open. */
    synchronized void keepAlive() {
        HttpServerResponse r = response;
        if (r != null && mode == Mode.SSE) {
            context.runOnContext(v -> {
                if (!r.closed() && !r.ended()) {
                    r.write(": keep-alive\n\n");
                }
            });
        }
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(this::close);
    }

    @Override
    public synchronized void close() {
        if (completed) {
            return;
        }
        completed = true;
        HttpServerResponse r = response;
        if (kind == Kind.LISTENING) {
            response = null;
        }
        if (r != null && mode != Mode.JSON) {
            if (kind == Kind.POST) {
                response = null;
            }
            context.runOnContext(v -> endQuietly(r));
        }
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return jsonMapper.convertValue(data, typeRef);
    }

    private synchronized void detach(HttpServerResponse closed) {
        if (response == closed) {
            response = null;
            LOG.debug("Connection of stream {} dropped; buffering for resumption", id);
        }
    }

    private void writeJson(String json, MonoSink<Void> sink) {
        mode = Mode.JSON;
        completed = true;
        HttpServerResponse r = response;
        response = null;
        if (r == null) {
            sink.success();
            return;
        }
        context.runOnContext(v -> {
            if (r.closed() || r.ended()) {
                sink.success();
                return;
            }
            r.putHeader("Content-Type", "application/json");
            owner.putSessionHeader(r);
            r.end(json).onComplete(ar -> sink.success());
        });
    }

    /** Called under the lock: switches a pending stream to SSE, headers and priming event first. */
    private void startSse() {
        if (mode != Mode.PENDING) {
            return;
        }
        mode = Mode.SSE;
        // Only now can a client need to resume it.
        owner.register(this);
        HttpServerResponse r = response;
        if (r == null) {
            return;
        }
        boolean priming = owner.wantsPrimingEvents();
        String primingId = id + "_0";
        long retry = owner.sseRetryMillis();
        context.runOnContext(v -> {
            if (r.closed() || r.ended()) {
                return;
            }
            writeSseHeaders(r);
            // A priming event (an id and no data) lets the client resume even before the first message.
            r.write(priming ? "id: " + primingId + "\nretry: " + retry + "\ndata: \n\n" : ": stream open\n\n");
        });
    }

    private void writeSseHeaders(HttpServerResponse r) {
        if (r.headWritten()) {
            return;
        }
        r.setChunked(true);
        r.putHeader("Content-Type", "text/event-stream");
        r.putHeader("Cache-Control", "no-cache, no-transform");
        r.putHeader("X-Accel-Buffering", "no");
        owner.putSessionHeader(r);
    }

    private void writeEvent(Event event, MonoSink<Void> sink) {
        HttpServerResponse r = response;
        if (r == null) {
            // Buffered: the client gets it when it resumes.
            sink.success();
            return;
        }
        written = event.seq();
        context.runOnContext(v -> {
            if (r.closed() || r.ended()) {
                sink.success();
                return;
            }
            r.write(format(event)).onComplete(ar -> sink.success());
        });
    }

    private String format(Event e) {
        return "id: " + id + "_" + e.seq() + "\nevent: message\ndata: " + e.data() + "\n\n";
    }

    private static void endQuietly(HttpServerResponse r) {
        if (!r.closed() && !r.ended()) {
            r.end();
        }
    }
}
