package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.observe.Systems;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PfxOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mattermost's WebSocket event API (seed: resource streaming flow, step 2-3): connects, answers
 * the authentication_challenge, waits for hello, hands every event frame on, reconnects with
 * exponential backoff and asks to resume (connection_id + sequence_number). A gap in the server's
 * seq, or a reconnect, asks for one catch-up poll so nothing is missed.
 */
public final class MattermostSocket {

    private static final Logger LOG = LoggerFactory.getLogger(MattermostSocket.class);

    private final MattermostSettings settings;
    private final ObjectMapper mapper;
    private Vertx vertx;
    private WebSocketClient client;
    private final AtomicInteger requestSeq = new AtomicInteger();
    private final AtomicBoolean catchUp = new AtomicBoolean();
    private volatile Consumer<String> events = frame -> { };
    private volatile WebSocket socket;
    private volatile Systems.State state = Systems.State.CONNECTING;
    private volatile String detail = "connecting";
    private volatile String connectionId;
    private volatile long lastSeq = -1;
    private volatile long downSince = System.currentTimeMillis();
    private volatile boolean everConnected;
    private volatile boolean stopped;
    private volatile int authSeq;
    private int attempts;

    public MattermostSocket(MattermostSettings settings, ObjectMapper mapper) {
        this.settings = settings;
        this.mapper = mapper;
    }

    /** Opens the socket (its own small Vert.x: one event loop, not the MCP server's). */
    public synchronized void start() {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        WebSocketClientOptions options = new WebSocketClientOptions()
                .setConnectTimeout(settings.connectTimeoutMillis())
                .setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20);
        if (settings.trustStore() != null) {
            String password = settings.trustStorePassword();
            options.setTrustOptions(settings.trustStore().endsWith(".jks")
                    ? new JksOptions().setPath(settings.trustStore()).setPassword(password)
                    : new PfxOptions().setPath(settings.trustStore()).setPassword(password));
        }
        this.client = vertx.createWebSocketClient(options);
        vertx.runOnContext(v -> connect());
    }

    /** Where event frames go (the bounded seda queue). */
    public void onEvent(Consumer<String> events) {
        this.events = events;
    }

    public boolean connected() {
        return state == Systems.State.CONNECTED;
    }

    public Systems.State state() {
        return state;
    }

    public String detail() {
        return detail;
    }

    /** When the socket last went down (or the bridge started): where polling starts from. */
    public long downSince() {
        return downSince;
    }

    /** Whether the polling route should run now: the socket is down, or a catch-up after it came back. */
    public boolean pollNow() {
        return settings.configured() && vertx != null && (!connected() || catchUp.getAndSet(false));
    }

    private void connect() {
        if (stopped) {
            return;
        }
        String url = settings.websocketUrl();
        if (connectionId != null) {
            url += "?connection_id=" + URLEncoder.encode(connectionId, StandardCharsets.UTF_8)
                    + "&sequence_number=" + Math.max(lastSeq, 0);
        }
        client.connect(new WebSocketConnectOptions().setAbsoluteURI(url))
                .onSuccess(ws -> {
                    socket = ws;
                    ws.textMessageHandler(this::onText);
                    ws.closeHandler(v -> onClosed("closed by the server"));
                    ws.exceptionHandler(e -> LOG.debug("Mattermost WebSocket error: {}", e.getClass().getSimpleName()));
                    authSeq = requestSeq.incrementAndGet();
                    try {
                        ws.writeTextMessage(mapper.writeValueAsString(Map.of("seq", authSeq,
                                "action", "authentication_challenge", "data", Map.of("token", settings.token() == null ? "" : settings.token()))));
                    } catch (Exception e) {
                        ws.close();
                    }
                })
                .onFailure(e -> onClosed("connect failed (" + e.getClass().getSimpleName() + ")"));
    }

    private void onText(String text) {
        JsonNode frame;
        try {
            frame = mapper.readTree(text);
        } catch (Exception e) {
            return;
        }
        if (frame.has("seq_reply")) {
            if (frame.path("seq_reply").asInt() == authSeq && !"OK".equals(frame.path("status").asText())) {
                LOG.warn("Mattermost refused the bot token on the WebSocket ({})", frame.path("error").path("id").asText("no id"));
                state = Systems.State.FAILED;
                detail = "token refused on the WebSocket";
                WebSocket ws = socket;
                if (ws != null) {
                    ws.close();
                }
            }
            return;
        }
        String event = frame.path("event").asText("");
        long seq = frame.path("seq").asLong(-1);
        if ("hello".equals(event)) {
            String id = frame.path("data").path("connection_id").asText(null);
            if (id == null || !id.equals(connectionId)) {
                lastSeq = seq;
            }
            connectionId = id;
            attempts = 0;
            if (everConnected) {
                // Back after a drop: one poll fills what fell between the last poll and now.
                catchUp.set(true);
                LOG.info("Mattermost WebSocket reconnected; polling stops");
            } else {
                LOG.info("Mattermost WebSocket connected");
            }
            everConnected = true;
            state = Systems.State.CONNECTED;
            detail = "events via WebSocket";
            return;
        }
        if (event.isEmpty()) {
            return;
        }
        if (seq >= 0) {
            if (lastSeq >= 0 && seq > lastSeq + 1) {
                catchUp.set(true);
            }
            lastSeq = seq;
        }
        events.accept(text);
    }

    private void onClosed(String why) {
        socket = null;
        if (stopped) {
            return;
        }
        if (state == Systems.State.CONNECTED) {
            downSince = System.currentTimeMillis();
            LOG.warn("Mattermost WebSocket lost ({}); polling the bot's channels until it is back", why);
        }
        if (state != Systems.State.FAILED) {
            state = everConnected ? Systems.State.RECONNECTING : Systems.State.CONNECTING;
            detail = "WebSocket " + why + "; events via polling";
        }
        long initial = Math.max(1, settings.socketBackoffInitial().toMillis());
        long max = Math.max(initial, settings.socketBackoffMax().toMillis());
        long delay = Math.min(max, initial << Math.min(attempts, 20));
        attempts++;
        delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        vertx.setTimer(Math.max(1, delay), t -> connect());
    }

    public synchronized void stop() {
        stopped = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.close();
        }
        if (vertx != null) {
            client.close();
            vertx.close();
        }
    }
}
