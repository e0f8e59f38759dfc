package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an AI needs from Mattermost's objects: ids, resolved names, text, ISO-8601 times. Never the
 * raw dump (auth data, notify props, internal fields stay out).
 */
final class Shapes {

    private Shapes() {
    }

    static String iso(JsonNode millis) {
        long ms = millis == null ? 0 : millis.asLong(0);
        return ms <= 0 ? null : Instant.ofEpochMilli(ms).toString();
    }

    static String iso(long ms) {
        return ms <= 0 ? null : Instant.ofEpochMilli(ms).toString();
    }

    static Map<String, Object> post(JsonNode p, String username) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("post_id", p.path("id").asText());
        m.put("channel_id", p.path("channel_id").asText());
        m.put("user_id", p.path("user_id").asText());
        m.put("username", username == null ? "" : username);
        m.put("message", p.path("message").asText(""));
        m.put("root_id", p.path("root_id").asText(""));
        m.put("created_at", iso(p.get("create_at")));
        String edited = iso(p.get("edit_at"));
        if (edited != null) {
            m.put("edited_at", edited);
        }
        if (p.path("delete_at").asLong(0) > 0) {
            m.put("deleted_at", iso(p.get("delete_at")));
        }
        m.put("is_pinned", p.path("is_pinned").asBoolean(false));
        List<String> files = new ArrayList<>();
        p.path("file_ids").forEach(f -> files.add(f.asText()));
        if (!files.isEmpty()) {
            m.put("file_ids", files);
        }
        if (p.path("reply_count").asInt(0) > 0) {
            m.put("reply_count", p.path("reply_count").asInt());
        }
        if (!p.path("type").asText("").isEmpty()) {
            m.put("type", p.path("type").asText());
        }
        return m;
    }

    static Map<String, Object> channel(JsonNode c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channel_id", c.path("id").asText());
        m.put("team_id", c.path("team_id").asText(""));
        m.put("name", c.path("name").asText());
        m.put("display_name", c.path("display_name").asText(""));
        m.put("type", c.path("type").asText());
        m.put("purpose", c.path("purpose").asText(""));
        m.put("header", c.path("header").asText(""));
        m.put("created_at", iso(c.get("create_at")));
        m.put("last_post_at", iso(c.get("last_post_at")));
        m.put("total_msg_count", c.path("total_msg_count").asLong(0));
        if (c.path("delete_at").asLong(0) > 0) {
            m.put("deleted_at", iso(c.get("delete_at")));
        }
        return m;
    }

    static Map<String, Object> user(JsonNode u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user_id", u.path("id").asText());
        m.put("username", u.path("username").asText());
        m.put("first_name", u.path("first_name").asText(""));
        m.put("last_name", u.path("last_name").asText(""));
        m.put("nickname", u.path("nickname").asText(""));
        m.put("position", u.path("position").asText(""));
        m.put("is_bot", u.path("is_bot").asBoolean(false));
        if (u.path("delete_at").asLong(0) > 0) {
            m.put("deactivated_at", iso(u.get("delete_at")));
        }
        return m;
    }

    static Map<String, Object> team(JsonNode t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("team_id", t.path("id").asText());
        m.put("name", t.path("name").asText());
        m.put("display_name", t.path("display_name").asText(""));
        m.put("type", t.path("type").asText(""));
        m.put("description", t.path("description").asText(""));
        return m;
    }

    static Map<String, Object> status(JsonNode s, String username) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user_id", s.path("user_id").asText());
        m.put("username", username);
        m.put("status", s.path("status").asText());
        m.put("manual", s.path("manual").asBoolean(false));
        m.put("last_activity_at", iso(s.get("last_activity_at")));
        return m;
    }

    static Map<String, Object> file(JsonNode f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file_id", f.path("id").asText());
        m.put("name", f.path("name").asText());
        m.put("extension", f.path("extension").asText(""));
        m.put("size", f.path("size").asLong(0));
        m.put("mime_type", f.path("mime_type").asText(""));
        m.put("post_id", f.path("post_id").asText(""));
        m.put("channel_id", f.path("channel_id").asText(""));
        m.put("user_id", f.path("user_id").asText(""));
        m.put("created_at", iso(f.get("create_at")));
        return m;
    }

    static Map<String, Object> reaction(JsonNode r, String username) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("post_id", r.path("post_id").asText());
        m.put("user_id", r.path("user_id").asText());
        m.put("username", username);
        m.put("emoji_name", r.path("emoji_name").asText());
        m.put("created_at", iso(r.get("create_at")));
        return m;
    }
}
