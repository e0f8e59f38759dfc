package io.switchboard.mattermost;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One call to Mattermost's REST API v4, as the client route sends it: method, path under /api/v4,
 * query parameters and a body (a value Jackson writes as JSON, or a ready multipart entity).
 */
public record ApiRequest(String method, String path, Map<String, Object> query, Object body) {

    public ApiRequest {
        query = query == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(query));
    }

    public static ApiRequest get(String path, Map<String, Object> query) {
        return new ApiRequest("GET", path, query, null);
    }

    public static ApiRequest get(String path) {
        return get(path, Map.of());
    }

    public static ApiRequest post(String path, Object body) {
        return new ApiRequest("POST", path, Map.of(), body);
    }

    public static ApiRequest put(String path, Object body) {
        return new ApiRequest("PUT", path, Map.of(), body);
    }

    public static ApiRequest delete(String path) {
        return new ApiRequest("DELETE", path, Map.of(), null);
    }
}
