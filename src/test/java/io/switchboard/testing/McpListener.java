package io.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testing.McpHttp.SseEvent;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An MCP session's listening stream (GET), read in the background: the notifications a client sees. */
public final class McpListener implements AutoCloseable {

    public final List<JsonNode> notifications = new CopyOnWriteArrayList<>();
    private final HttpResponse<InputStream> stream;
    private final Thread reader;
    private final CountDownLatch primed = new CountDownLatch(1);

    public McpListener(McpHttp mcp) throws Exception {
        stream = mcp.openStream(mcp.builder().GET().build());
        reader = new Thread(() -> {
            try {
                SseEvent.read(stream.body(), events -> {
                    primed.countDown();
                    JsonNode j = events.get(events.size() - 1).json();
                    if (j != null && j.has("method")) {
                        notifications.add(j);
                    }
                    return false;
                });
            } catch (Exception closed) {
                // the test is over
            }
        }, "mcp-listener");
        reader.setDaemon(true);
        reader.start();
        // The stream starts with a priming event: from then on, nothing sent to this session is missed.
        if (!primed.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the listening stream did not open");
        }
    }

    /** notifications/message data parsed as JSON (the bridge sends its events as JSON text). */
    public List<JsonNode> events(String event) {
        return notifications.stream()
                .filter(n -> "notifications/message".equals(n.path("method").asText()))
                .map(n -> {
                    try {
                        return McpHttp.JSON.readTree(n.path("params").path("data").asText());
                    } catch (Exception e) {
                        return McpHttp.JSON.createObjectNode();
                    }
                })
                .filter(d -> event.equals(d.path("event").asText()))
                .toList();
    }

    public boolean updated(String uri) {
        return notifications.stream().anyMatch(n -> "notifications/resources/updated".equals(n.path("method").asText())
                && uri.equals(n.path("params").path("uri").asText()));
    }

    @Override
    public void close() throws Exception {
        stream.body().close();
    }
}
