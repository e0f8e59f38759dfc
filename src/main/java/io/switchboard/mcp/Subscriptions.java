package io.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open {@code subscriptions/listen} streams of one endpoint (2026-07-28): each is the SSE
 * response of one POST, with the filter its client asked for. What the 2025 era sends to
 * sessions — list changes from route reloads, resource updates from the systems — is sent here
 * too, to the listeners whose filter names it, tagged with the subscription's id.
 */
final class Subscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);
    static final String META_SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

    /** One listener: a filter and the connection it is written to. */
    private record Listener(Object id, String client, boolean tools, boolean prompts, boolean resources, Set<String> uris,
                            Context context, HttpServerResponse response) {
    }

    private final ObjectMapper mapper;
    private final Map<String, Object> serverInfo;
    private final Set<Listener> listeners = new CopyOnWriteArraySet<>();

    Subscriptions(ObjectMapper mapper, Map<String, Object> serverInfo) {
        this.mapper = mapper;
        this.serverInfo = serverInfo;
    }

    /**
     * Opens the stream: the acknowledgement with the honoured filter comes first, always. False,
     * and nothing written, when {@code client} has {@code maxPerClient} streams open already (0: no
     * limit); counting and adding are one step, so racing requests cannot overshoot.
     */
    boolean open(Object id, String client, int maxPerClient, JsonNode filter, Context context, HttpServerResponse response) {
        Set<String> uris = new LinkedHashSet<>();
        filter.path("resourceSubscriptions").forEach(u -> {
            if (u.isTextual()) {
                uris.add(u.asText());
            }
        });
        Listener l = new Listener(id, client, filter.path("toolsListChanged").asBoolean(false),
                filter.path("promptsListChanged").asBoolean(false), filter.path("resourcesListChanged").asBoolean(false),
                Set.copyOf(uris), context, response);
        Map<String, Object> honoured = new LinkedHashMap<>();
        if (l.tools()) {
            honoured.put("toolsListChanged", true);
        }
        if (l.prompts()) {
            honoured.put("promptsListChanged", true);
        }
        if (l.resources()) {
            honoured.put("resourcesListChanged", true);
        }
        if (!uris.isEmpty()) {
            honoured.put("resourceSubscriptions", List.copyOf(uris));
        }
        synchronized (listeners) {
            if (maxPerClient > 0 && listeners.stream().filter(o -> o.client().equals(client)).count() >= maxPerClient) {
                return false;
            }
            listeners.add(l);
        }
        StatelessEra.sseHeaders(response);
        response.closeHandler(v -> listeners.remove(l));
        response.write(event(l, "notifications/subscriptions/acknowledged", Map.of("notifications", honoured)));
        return true;
    }

    int count() {
        return listeners.size();
    }

    boolean anyListensTo(String uri) {
        return listeners.stream().anyMatch(l -> l.uris().contains(uri));
    }

    /** A list_changed notification to the listeners that asked for that list. */
    void listChanged(String method) {
        for (Listener l : listeners) {
            boolean wanted = switch (method) {
                case "notifications/tools/list_changed" -> l.tools();
                case "notifications/prompts/list_changed" -> l.prompts();
                case "notifications/resources/list_changed" -> l.resources();
                default -> false;
            };
            if (wanted) {
                send(l, method, Map.of());
            }
        }
    }

    /** notifications/resources/updated to the listeners that named {@code uri}. */
    void resourceUpdated(String uri) {
        for (Listener l : listeners) {
            if (l.uris().contains(uri)) {
                send(l, "notifications/resources/updated", Map.of("uri", uri));
            }
        }
    }

    void keepAlive() {
        for (Listener l : listeners) {
            l.context().runOnContext(v -> {
                if (!l.response().closed() && !l.response().ended()) {
                    l.response().write(":\n\n");
                }
            });
        }
    }

    /** Server shutdown: every subscription ends with its result, so clients know it was not a drop. */
    void closeAll() {
        for (Listener l : listeners) {
            listeners.remove(l);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put(META_SUBSCRIPTION_ID, l.id());
            meta.put(StatelessEra.META_SERVER_INFO, serverInfo);
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("jsonrpc", "2.0");
            response.put("id", l.id());
            response.put("result", Map.of("resultType", "complete", "_meta", meta));
            l.context().runOnContext(v -> {
                if (!l.response().closed() && !l.response().ended()) {
                    l.response().write(data(response));
                    l.response().end();
                }
            });
        }
    }

    private void send(Listener l, String method, Map<String, Object> params) {
        String event = event(l, method, params);
        l.context().runOnContext(v -> {
            if (l.response().closed() || l.response().ended()) {
                listeners.remove(l);
                return;
            }
            l.response().write(event);
        });
    }

    private String event(Listener l, String method, Map<String, Object> params) {
        Map<String, Object> p = new LinkedHashMap<>(params);
        p.put("_meta", Map.of(META_SUBSCRIPTION_ID, l.id()));
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("jsonrpc", "2.0");
        n.put("method", method);
        n.put("params", p);
        return data(n);
    }

    private String data(Object message) {
        try {
            return "event: message\ndata: " + mapper.writeValueAsString(message) + "\n\n";
        } catch (Exception e) {
            LOG.warn("Could not write a subscription event: {}", e.toString());
            return ":\n\n";
        }
    }
}
