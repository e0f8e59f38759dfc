package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The user and team tools: who the bot is, people, statuses, teams. */
public final class UserTools {

    private static final Set<String> STATUSES = Set.of("online", "away", "offline", "dnd");

    private final MattermostClient client;
    private final Directory directory;

    public UserTools(MattermostClient client, Directory directory) {
        this.client = client;
        this.directory = directory;
    }

    /** Whether the configured token is accepted; never the token itself. */
    public Map<String, Object> authStatus() {
        client.requireConfigured();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("server_url", client.settings().url());
        r.put("token_configured", client.settings().token() != null);
        try {
            JsonNode me = client.get("/users/me");
            r.put("authenticated", true);
            r.put("user_id", me.path("id").asText());
            r.put("username", me.path("username").asText());
            r.put("is_bot", me.path("is_bot").asBoolean(false));
        } catch (RuntimeException e) {
            ToolException refused = refusal(e);
            if (refused == null) {
                throw e;
            }
            r.put("authenticated", false);
            r.put("reason", refused.getMessage());
        }
        return r;
    }

    private static ToolException refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ToolException te && te.code() == ErrorCode.PERMISSION_DENIED) {
                return te;
            }
        }
        return null;
    }

    public Map<String, Object> me() {
        client.requireConfigured();
        Map<String, Object> r = Shapes.user(directory.me());
        List<Map<String, Object>> teams = new ArrayList<>();
        directory.myTeams().forEach(t -> teams.add(Shapes.team(t)));
        r.put("teams", teams);
        return r;
    }

    public Map<String, Object> user(Map<String, Object> args) {
        client.requireConfigured();
        return Shapes.user(lookup(args));
    }

    /** A user by user_id or username (the username without its '@'). */
    JsonNode lookup(Map<String, Object> args) {
        String id = Args.string(args, "user_id");
        if (id != null) {
            return "me".equals(id) ? directory.me() : directory.user(Args.checkId(id, "user_id"));
        }
        String username = Args.string(args, "username");
        if (username == null) {
            throw ToolException.validation("give user_id or username");
        }
        username = username.strip();
        if (username.startsWith("@")) {
            username = username.substring(1);
        }
        if (!username.matches("^[a-z0-9._\\-]{1,64}$")) {
            throw ToolException.validation("username must be a Mattermost user name (lower-case letters, digits, '.', '_', '-')");
        }
        return directory.userByName(username);
    }

    public Map<String, Object> search(Map<String, Object> args) {
        client.requireConfigured();
        String term = Args.required(args, "term");
        int limit = Args.integer(args, "limit", 100, 1, 1000);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("term", term);
        String team = Args.optionalId(args, "team_id");
        if (team != null) {
            body.put("team_id", team);
        }
        String channel = Args.optionalId(args, "in_channel_id");
        if (channel != null) {
            body.put("in_channel_id", channel);
        }
        body.put("allow_inactive", Args.bool(args, "allow_inactive", false));
        body.put("limit", limit);
        List<Map<String, Object>> users = new ArrayList<>();
        client.post("/users/search", body).forEach(u -> users.add(Shapes.user(u)));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("term", term);
        r.put("users", users);
        r.put("count", users.size());
        return r;
    }

    public Map<String, Object> status(Map<String, Object> args) {
        client.requireConfigured();
        JsonNode user = Args.string(args, "user_id") == null && Args.string(args, "username") == null ? directory.me() : lookup(args);
        String id = user.path("id").asText();
        return Shapes.status(client.get("/users/" + id + "/status"), user.path("username").asText());
    }

    public Map<String, Object> updateStatus(Map<String, Object> args) {
        client.requireConfigured();
        String status = Args.required(args, "status").strip().toLowerCase();
        if (!STATUSES.contains(status)) {
            throw ToolException.validation("status must be online, away, offline or dnd");
        }
        // Mattermost refuses "me" in the body: the bot's own id.
        String me = directory.myId();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", me);
        body.put("status", status);
        Long dndEnd = Args.time(args, "dnd_end_time");
        if (dndEnd != null && "dnd".equals(status)) {
            // The API takes epoch seconds here.
            body.put("dnd_end_time", dndEnd > 100_000_000_000L ? dndEnd / 1000 : dndEnd);
        }
        return Shapes.status(client.put("/users/" + me + "/status", body), directory.me().path("username").asText());
    }

    public Map<String, Object> teams(Map<String, Object> args) {
        client.requireConfigured();
        int page = Args.page(args);
        int perPage = Args.perPage(args, 60);
        Set<String> mine = new HashSet<>();
        directory.myTeams().forEach(t -> mine.add(t.path("id").asText()));
        List<Map<String, Object>> teams = new ArrayList<>();
        for (JsonNode t : client.get("/teams", Map.of("page", page, "per_page", perPage))) {
            Map<String, Object> team = Shapes.team(t);
            team.put("member", mine.contains(t.path("id").asText()));
            teams.add(team);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("teams", teams);
        r.put("count", teams.size());
        r.put("page", page);
        r.put("per_page", perPage);
        return r;
    }
}
