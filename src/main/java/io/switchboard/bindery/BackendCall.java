package io.switchboard.bindery;

import java.util.Map;

/**
 * One request to a Bindery backend, as the client routes send it: method, path under the base
 * URL, query string (already encoded), JSON body, and the read cache's key (null: not cached).
 * Getters, because the routes read it with Simple ({@code ${body.path}}).
 */
public final class BackendCall {

    private final String method;
    private final String path;
    private final String query;
    private final Map<String, Object> body;
    private final String cacheKey;

    BackendCall(String method, String path, String query, Map<String, Object> body, String cacheKey) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.body = body;
        this.cacheKey = cacheKey;
    }

    static BackendCall read(String path, String query) {
        return new BackendCall("GET", path, query, null, "GET " + path + (query == null ? "" : "?" + query));
    }

    static BackendCall cachedPost(String path, Map<String, Object> body, String cacheKey) {
        return new BackendCall("POST", path, null, body, cacheKey);
    }

    static BackendCall write(String method, String path, Map<String, Object> body) {
        return new BackendCall(method, path, null, body, null);
    }

    public String getMethod() {
        return method;
    }

    public String getPath() {
        return path;
    }

    public String getQuery() {
        return query;
    }

    public Map<String, Object> getBody() {
        return body;
    }

    public String getCacheKey() {
        return cacheKey;
    }

    @Override
    public String toString() {
        return method + " " + path + (query == null ? "" : "?" + query);
    }
}
