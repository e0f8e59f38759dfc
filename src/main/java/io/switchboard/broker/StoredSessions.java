package io.switchboard.broker;

import java.util.List;
import java.util.Map;
import org.apache.camel.ProducerTemplate;

/** {@link SessionRows} through the routes direct:broker-session-* (their SQL is in broker.camel.yaml). */
final class StoredSessions implements SessionRows {

    private final ProducerTemplate template;

    StoredSessions(ProducerTemplate template) {
        this.template = template;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> find(String sessionId) {
        List<Map<String, Object>> rows = template.requestBody("direct:broker-session-row", Map.of("session_id", sessionId), List.class);
        return rows == null || rows.isEmpty() ? null : rows.get(0);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> all() {
        List<Map<String, Object>> rows = template.requestBody("direct:broker-session-rows", null, List.class);
        return rows == null ? List.of() : rows;
    }

    @Override
    public long count() {
        Number n = template.requestBody("direct:broker-session-count", null, Number.class);
        return n == null ? 0 : n.longValue();
    }

    @Override
    public long live(String owner) {
        Number n = template.requestBody("direct:broker-session-live", Map.of("owner", owner), Number.class);
        return n == null ? 0 : n.longValue();
    }

    @Override
    public void touch(String sessionId, long now) {
        template.sendBody("direct:broker-session-touch", Map.of("session_id", sessionId, "now", now));
    }
}
