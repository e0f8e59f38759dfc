package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.guard.ToolException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The channel tools: listing, lookup, creation, membership, settings, statistics. */
public final class ChannelTools {

    private final MattermostClient client;
    private final Directory directory;

    public ChannelTools(MattermostClient client, Directory directory) {
        this.client = client;
        this.directory = directory;
    }

    /** The team named in the arguments, or the bot's only team. */
    String team(Map<String, Object> args) {
        String team = Args.optionalId(args, "team_id");
        if (team != null) {
            return team;
        }
        JsonNode teams = directory.myTeams();
        if (teams.size() == 1) {
            return teams.get(0).path("id").asText();
        }
        throw ToolException.validation("team_id is required (the bot belongs to " + teams.size() + " teams)",
                "Call list_teams for the ids");
    }

    public Map<String, Object> listChannels(Map<String, Object> args) {
        client.requireConfigured();
        String team = team(args);
        int page = Args.page(args);
        int perPage = Args.perPage(args, 60);
        boolean publicOnly = Args.bool(args, "public_only", true);
        boolean includeDeleted = Args.bool(args, "include_deleted", false);
        Map<String, Object> paging = Map.of("page", page, "per_page", perPage);
        List<Map<String, Object>> channels = new ArrayList<>();
        client.get("/teams/" + team + "/channels", paging).forEach(c -> channels.add(Shapes.channel(c)));
        if (includeDeleted) {
            client.get("/teams/" + team + "/channels/deleted", paging).forEach(c -> channels.add(Shapes.channel(c)));
        }
        if (!publicOnly && page == 0) {
            // Private channels are not in the team's public list: the bot's own ones are added.
            Set<String> seen = new LinkedHashSet<>();
            channels.forEach(c -> seen.add(String.valueOf(c.get("channel_id"))));
            for (JsonNode c : directory.myChannels()) {
                if ("P".equals(c.path("type").asText()) && team.equals(c.path("team_id").asText())
                        && seen.add(c.path("id").asText())) {
                    channels.add(Shapes.channel(c));
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("team_id", team);
        r.put("channels", channels);
        r.put("count", channels.size());
        r.put("page", page);
        r.put("per_page", perPage);
        return r;
    }

    public Map<String, Object> getChannel(Map<String, Object> args) {
        client.requireConfigured();
        String id = Args.optionalId(args, "channel_id");
        if (id != null) {
            return Shapes.channel(directory.channel(id));
        }
        String name = Args.string(args, "channel_name");
        if (name == null) {
            throw ToolException.validation("give channel_id, or team_id and channel_name");
        }
        return Shapes.channel(directory.channelByName(team(args), Args.channelName(name.strip(), "channel_name")));
    }

    public Map<String, Object> createChannel(Map<String, Object> args) {
        client.requireConfigured();
        String type = Args.string(args, "type");
        type = type == null ? "O" : type.strip().toUpperCase();
        if (!type.equals("O") && !type.equals("P")) {
            throw ToolException.validation("type must be O (public) or P (private)");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("team_id", team(args));
        body.put("name", Args.channelName(Args.required(args, "name").strip(), "name"));
        body.put("display_name", Args.required(args, "display_name"));
        body.put("type", type);
        putIfPresent(body, args, "purpose");
        putIfPresent(body, args, "header");
        JsonNode c = client.post("/channels", body);
        directory.rememberChannel(c);
        Map<String, Object> r = Shapes.channel(c);
        r.put("created", true);
        return r;
    }

    public Map<String, Object> updateChannel(Map<String, Object> args) {
        client.requireConfigured();
        String id = Args.id(args, "channel_id");
        Map<String, Object> patch = new LinkedHashMap<>();
        putIfPresent(patch, args, "display_name");
        putIfPresent(patch, args, "purpose");
        putIfPresent(patch, args, "header");
        if (patch.isEmpty()) {
            throw ToolException.validation("give at least one of display_name, purpose, header");
        }
        JsonNode c = client.put("/channels/" + id + "/patch", patch);
        directory.rememberChannel(c);
        return Shapes.channel(c);
    }

    public Map<String, Object> deleteChannel(Map<String, Object> args) {
        client.requireConfigured();
        String id = Args.id(args, "channel_id");
        client.delete("/channels/" + id);
        directory.forgetChannel(id);
        return Map.of("channel_id", id, "deleted", true);
    }

    public Map<String, Object> addUser(Map<String, Object> args) {
        client.requireConfigured();
        String channel = Args.id(args, "channel_id");
        String user = userId(args);
        JsonNode member = client.post("/channels/" + channel + "/members", Map.of("user_id", user));
        directory.forgetChannel(channel);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("channel_id", channel);
        r.put("user_id", member.path("user_id").asText(user));
        r.put("username", directory.username(user));
        r.put("added", true);
        return r;
    }

    public Map<String, Object> removeUser(Map<String, Object> args) {
        client.requireConfigured();
        String channel = Args.id(args, "channel_id");
        String user = userId(args);
        client.delete("/channels/" + channel + "/members/" + user);
        directory.forgetChannel(channel);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("channel_id", channel);
        r.put("user_id", user);
        r.put("username", directory.username(user));
        r.put("removed", true);
        return r;
    }

    private String userId(Map<String, Object> args) {
        String user = Args.required(args, "user_id");
        return "me".equals(user) ? directory.myId() : Args.checkId(user, "user_id");
    }

    public Map<String, Object> members(Map<String, Object> args) {
        client.requireConfigured();
        String channel = Args.id(args, "channel_id");
        int page = Args.page(args);
        int perPage = Args.perPage(args, 60);
        JsonNode list = client.get("/channels/" + channel + "/members", Map.of("page", page, "per_page", perPage));
        List<String> ids = new ArrayList<>();
        list.forEach(m -> ids.add(m.path("user_id").asText()));
        Map<String, JsonNode> users = ids.isEmpty() ? Map.of() : directory.users(ids);
        List<Map<String, Object>> members = new ArrayList<>();
        for (JsonNode m : list) {
            JsonNode u = users.get(m.path("user_id").asText());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("user_id", m.path("user_id").asText());
            row.put("username", u == null ? "" : u.path("username").asText(""));
            row.put("roles", m.path("roles").asText(""));
            row.put("last_viewed_at", Shapes.iso(m.get("last_viewed_at")));
            row.put("mention_count", m.path("mention_count").asLong(0));
            members.add(row);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("channel_id", channel);
        r.put("members", members);
        r.put("count", members.size());
        r.put("page", page);
        r.put("per_page", perPage);
        return r;
    }

    public Map<String, Object> search(Map<String, Object> args) {
        client.requireConfigured();
        String team = team(args);
        String term = Args.required(args, "term");
        List<Map<String, Object>> channels = new ArrayList<>();
        client.post("/teams/" + team + "/channels/search", Map.of("term", term)).forEach(c -> channels.add(Shapes.channel(c)));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("team_id", team);
        r.put("term", term);
        r.put("channels", channels);
        r.put("count", channels.size());
        return r;
    }

    public Map<String, Object> stats(Map<String, Object> args) {
        client.requireConfigured();
        String channel = Args.id(args, "channel_id");
        JsonNode s = client.get("/channels/" + channel + "/stats");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("channel_id", channel);
        r.put("member_count", s.path("member_count").asLong(0));
        r.put("guest_count", s.path("guest_count").asLong(0));
        r.put("pinned_post_count", s.path("pinnedpost_count").asLong(0));
        r.put("files_count", s.path("files_count").asLong(0));
        return r;
    }

    private static void putIfPresent(Map<String, Object> body, Map<String, Object> args, String name) {
        Object v = args.get(name);
        if (v != null) {
            body.put(name, String.valueOf(v));
        }
    }
}
