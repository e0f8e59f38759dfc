package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Users, teams and channels, cached (Caffeine, TTL from switchboard.mattermost.cache-ttl) so that
 * resolving names for results does not cost a REST call each time. Our own changes invalidate
 * what they touch at once; other people's changes show after the TTL.
 */
public final class Directory {

    private final MattermostClient client;
    private final Cache<String, JsonNode> cache;

    public Directory(MattermostClient client, MattermostSettings settings) {
        this.client = client;
        this.cache = Caffeine.newBuilder().expireAfterWrite(settings.cacheTtl()).maximumSize(20_000).build();
    }

    /** The bot itself (GET /users/me): its id replaces "me" wherever Mattermost refuses it (bodies). */
    public JsonNode me() {
        return cache.get("me", k -> client.get("/users/me"));
    }

    public String myId() {
        return me().path("id").asText();
    }

    public JsonNode user(String id) {
        return cached("user:" + id, () -> remember(client.get("/users/" + id)));
    }

    public JsonNode userByName(String username) {
        JsonNode u = cache.get("username:" + username, k -> client.get("/users/username/" + MattermostClient.segment(username)));
        cache.put("user:" + u.path("id").asText(), u);
        return u;
    }

    /** Users by id, one bulk call (POST /users/ids) for those not cached. */
    public Map<String, JsonNode> users(Collection<String> ids) {
        Map<String, JsonNode> found = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            if (id == null || id.isEmpty()) {
                continue;
            }
            JsonNode u = cache.getIfPresent("user:" + id);
            if (u != null) {
                found.put(id, u);
            } else {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            for (JsonNode u : client.post("/users/ids", missing)) {
                found.put(u.path("id").asText(), remember(u));
            }
        }
        return found;
    }

    /** The user name for an id ("" when unknown, never a failure: names are a convenience). */
    public String username(String id) {
        try {
            return id == null || id.isEmpty() ? "" : user(id).path("username").asText("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    public JsonNode channel(String id) {
        return cache.get("channel:" + id, k -> client.get("/channels/" + id));
    }

    public JsonNode channelByName(String teamId, String name) {
        JsonNode c = client.get("/teams/" + teamId + "/channels/name/" + MattermostClient.segment(name));
        cache.put("channel:" + c.path("id").asText(), c);
        return c;
    }

    public void rememberChannel(JsonNode c) {
        cache.put("channel:" + c.path("id").asText(), c);
        cache.invalidate("mychannels");
    }

    public void forgetChannel(String id) {
        cache.invalidate("channel:" + id);
        cache.invalidate("mychannels");
    }

    public void forgetUser(String id) {
        cache.invalidate("user:" + id);
    }

    public JsonNode team(String id) {
        return cache.get("team:" + id, k -> client.get("/teams/" + id));
    }

    /** The teams the bot belongs to. */
    public JsonNode myTeams() {
        JsonNode teams = cached("myteams", () -> client.get("/users/" + myId() + "/teams"));
        for (JsonNode t : teams) {
            cache.put("team:" + t.path("id").asText(), t);
        }
        return teams;
    }

    /** The channels the bot is a member of, in every team it belongs to. */
    public List<JsonNode> myChannels() {
        JsonNode all = cached("mychannels", () -> {
            com.fasterxml.jackson.databind.node.ArrayNode list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            for (JsonNode t : myTeams()) {
                for (JsonNode c : client.get("/users/" + myId() + "/teams/" + t.path("id").asText() + "/channels")) {
                    list.add(c);
                }
            }
            return list;
        });
        List<JsonNode> out = new ArrayList<>();
        all.forEach(out::add);
        return out;
    }

    /**
     * The cached value, or {@code load}'s, stored. Not Caffeine's {@code get(key, loader)}: these
     * loaders read or write other entries of the same cache, and a nested computation on the
     * cache's map fails with "Recursive update" whenever two keys share a bin (so, by chance).
     */
    private JsonNode cached(String key, Supplier<JsonNode> load) {
        JsonNode value = cache.getIfPresent(key);
        if (value == null) {
            value = load.get();
            cache.put(key, value);
        }
        return value;
    }

    private JsonNode remember(JsonNode user) {
        cache.put("username:" + user.path("username").asText(), user);
        return user;
    }
}
