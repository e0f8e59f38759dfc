package io.switchboard.broker;

import java.util.List;
import java.util.Map;

/**
 * The broker_sessions table as the session registry reads it: the truth every instance shares.
 * Implemented by routes in broker.camel.yaml ({@code direct:broker-session-*}).
 */
public interface SessionRows {

    /** The row of one session, or null when there is none. */
    Map<String, Object> find(String sessionId);

    List<Map<String, Object>> all();

    long count();

    /** Live (not disconnected) sessions created by {@code owner}. */
    long live(String owner);

    /** A sign of life from any call: last_heartbeat now, status active. */
    void touch(String sessionId, long now);
}
