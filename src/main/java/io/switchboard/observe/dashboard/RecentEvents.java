package io.switchboard.observe.dashboard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last events the operations page lists (tool calls, incoming messages, drops, reconnects):
 * a bounded ring, the oldest falling out. Systems append from their own threads; an append holds
 * a lock for one offer (and a poll when full), so the hot paths pay next to nothing. Bodies are kept
 * only when the operator allowed content (switchboard.dashboard.show-content): otherwise they are
 * never held in memory at all.
 */
public final class RecentEvents {

    /** One event; {@code durationMs} and {@code content} may be null. */
    public record Event(long seq, String at, String system, String kind, String summary, String outcome,
                        @com.fasterxml.jackson.annotation.JsonProperty("duration_ms") Double durationMs, String content) {
    }

    private final ArrayBlockingQueue<Event> ring;
    private final AtomicLong seq = new AtomicLong();
    private final boolean keepContent;

    public RecentEvents(int capacity, boolean keepContent) {
        this.ring = new ArrayBlockingQueue<>(capacity);
        this.keepContent = keepContent;
    }

    public boolean keepsContent() {
        return keepContent;
    }

    public void add(String system, String kind, String summary, String outcome, Double durationMs, String content) {
        String at = Instant.now().toString();
        String kept = keepContent ? content : null;
        // Numbering and queueing under one lock: otherwise a thread paused between the two puts an
        // older number behind newer ones, and a page that has seen the newer ones would skip it.
        synchronized (ring) {
            Event e = new Event(seq.incrementAndGet(), at, system, kind, summary, outcome, durationMs, kept);
            if (!ring.offer(e)) {
                ring.poll();
                ring.offer(e);
            }
        }
    }

    /** Incoming messages a route hands over as rows (sender, kind, room, body); called from YAML. */
    public void incoming(String system, List<java.util.Map<String, Object>> messages) {
        if (messages == null) {
            return;
        }
        for (java.util.Map<String, Object> m : messages) {
            Object room = m.get("room");
            String from = String.valueOf(m.get("sender"));
            String summary = (m.get("kind") == null ? "message" : m.get("kind")) + " from " + from
                    + (room == null ? "" : " in " + room);
            Object body = m.get("body");
            add(system, "message", summary, "in", null, body == null ? null : String.valueOf(body));
        }
    }

    /** Events newer than {@code afterSeq}, oldest first. */
    public List<Event> since(long afterSeq) {
        List<Event> out = new ArrayList<>();
        for (Event e : ring) {
            if (e.seq() > afterSeq) {
                out.add(e);
            }
        }
        return out;
    }

    public long lastSeq() {
        return seq.get();
    }
}
