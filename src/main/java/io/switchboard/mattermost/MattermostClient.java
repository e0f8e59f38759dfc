package io.switchboard.mattermost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.hc.core5.http.HttpEntity;

/**
 * How the tool beans talk to Mattermost: every call goes through the client route
 * (direct:mattermost-api: throttle, circuit breaker, retry, http) as an {@link ApiRequest}. The
 * route calls back here for the pieces of the HTTP request (URI, query, body).
 */
public final class MattermostClient {

    public static final String API_ROUTE = "direct:mattermost-api";

    private final MattermostSettings settings;
    private final Supplier<ProducerTemplate> template;
    private final ObjectMapper mapper;

    public MattermostClient(MattermostSettings settings, Supplier<ProducerTemplate> template, ObjectMapper mapper) {
        this.settings = settings;
        this.template = template;
        this.mapper = mapper;
    }

    public MattermostSettings settings() {
        return settings;
    }

    /** The tools of a system that is off answer this, naming the variable to set. */
    public void requireConfigured() {
        if (!settings.configured()) {
            throw new ToolException(ErrorCode.CONNECTION_ERROR,
                    "Mattermost is not configured: set SWITCHBOARD_MATTERMOST_URL (and SWITCHBOARD_MATTERMOST_TOKEN)",
                    List.of("Set SWITCHBOARD_MATTERMOST_URL to the server's base URL, e.g. https://chat.example.org",
                            "Set SWITCHBOARD_MATTERMOST_TOKEN or SWITCHBOARD_MATTERMOST_TOKEN_FILE to a bot token"));
        }
    }

    public JsonNode call(ApiRequest request) {
        requireConfigured();
        Exchange done = template.get().send(API_ROUTE, ex -> ex.getMessage().setBody(request));
        Exception failure = done.getException();
        if (failure != null) {
            // The client-facing failure (ToolException, an open breaker) as it is, without Camel's wrappers.
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof ToolException te) {
                    throw te;
                }
                if (t instanceof CallNotPermittedException open) {
                    throw open;
                }
            }
            throw new IllegalStateException("Mattermost call failed: " + failure.getClass().getSimpleName(), failure);
        }
        return done.getMessage().getBody(JsonNode.class);
    }

    public JsonNode get(String path) {
        return call(ApiRequest.get(path));
    }

    public JsonNode get(String path, Map<String, Object> query) {
        return call(ApiRequest.get(path, query));
    }

    public JsonNode post(String path, Object body) {
        return call(ApiRequest.post(path, body));
    }

    public JsonNode put(String path, Object body) {
        return call(ApiRequest.put(path, body));
    }

    public JsonNode delete(String path) {
        return call(ApiRequest.delete(path));
    }

    // ------------------------------------------------------------------ pieces for the http route

    public String uri(ApiRequest request) {
        return settings.apiBase() + request.path();
    }

    public String query(ApiRequest request) {
        StringJoiner q = new StringJoiner("&");
        request.query().forEach((k, v) -> {
            if (v != null) {
                q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
            }
        });
        return q.length() == 0 ? null : q.toString();
    }

    public String contentType(ApiRequest request) {
        if (request.body() instanceof HttpEntity entity) {
            return entity.getContentType();
        }
        return request.body() == null ? null : "application/json";
    }

    /** The request body: JSON written by Jackson, or the multipart entity of an upload. */
    public Object payload(ApiRequest request) throws JsonProcessingException {
        if (request.body() == null || request.body() instanceof HttpEntity) {
            return request.body();
        }
        return mapper.writeValueAsBytes(request.body());
    }

    /** Percent-encodes one path segment (a channel or user name taken from the arguments). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
