package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seed's error handling flow for REST answers: a 2xx body becomes JSON, Mattermost's error body
 * ({id, message, status_code}) becomes our envelope's code and message, never a stack trace.
 */
public final class MattermostErrors {

    private final ObjectMapper mapper;

    public MattermostErrors(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Mattermost's answer: a status and its JSON body. */
    public record Answer(int status, JsonNode body) {
    }

    /**
     * Inside the circuit breaker: 5xx and 429 fail (retried, counted by the breaker); every other
     * answer, 4xx included, is an answer - a 404 says nothing about Mattermost's health.
     */
    public Answer check(int status, String body, String retryAfter) {
        JsonNode json = parse(body);
        if (status == 429 || status >= 500) {
            throw unavailable(status, json, retryAfter);
        }
        return new Answer(status, json);
    }

    /** After the breaker: the JSON of a successful call, or the client-facing failure. */
    public JsonNode result(Answer answer) {
        int status = answer.status();
        JsonNode json = answer.body();
        if (status >= 200 && status < 300) {
            return json == null ? mapper.createObjectNode().put("status", "OK") : json;
        }
        String message = json != null && json.hasNonNull("message") ? json.get("message").asText() : "HTTP " + status;
        String id = json != null && json.hasNonNull("id") ? json.get("id").asText() : "";
        return refuse(status, message, id);
    }

    private static MattermostUnavailable unavailable(int status, JsonNode json, String retryAfter) {
        String message = json != null && json.hasNonNull("message") ? json.get("message").asText() : "HTTP " + status;
        if (status == 429) {
            return new MattermostUnavailable(ErrorCode.RATE_LIMIT_EXCEEDED,
                    "Mattermost is rate limiting Switchboard: " + message, retryAfterMillis(retryAfter), status);
        }
        return new MattermostUnavailable(ErrorCode.CONNECTION_ERROR,
                "Mattermost failed to answer (HTTP " + status + "): " + message, retryAfterMillis(retryAfter), status);
    }

    private static JsonNode refuse(int status, String message, String id) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("status_code", status);
        if (!id.isEmpty()) {
            details.put("mattermost_error_id", id);
        }
        ErrorCode code;
        List<String> suggestions;
        switch (status) {
            case 404 -> {
                code = ErrorCode.NOT_FOUND;
                suggestions = List.of("Check the id", "Look it up with list_channels, search_users or search_posts");
            }
            case 401, 403 -> {
                code = ErrorCode.PERMISSION_DENIED;
                suggestions = status == 401
                        ? List.of("The bot token was refused: check SWITCHBOARD_MATTERMOST_TOKEN")
                        : List.of("The bot lacks the permission: add it to the team or channel, or ask an admin");
            }
            case 400, 413 -> {
                code = ErrorCode.VALIDATION_ERROR;
                suggestions = List.of("Check the arguments against the tool's schema");
            }
            default -> {
                code = ErrorCode.CLIENT_ERROR;
                suggestions = List.of("Check the arguments");
            }
        }
        throw new ToolException(code, "Mattermost: " + message, suggestions, details);
    }

    /** Retry-After in seconds (the form Mattermost and proxies send); -1 when absent or unreadable. */
    static long retryAfterMillis(String header) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        try {
            return Math.max(0, (long) (Double.parseDouble(header.strip()) * 1000));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return mapper.readTree(body);
        } catch (Exception e) {
            return null;
        }
    }
}
