package io.switchboard.mattermost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stateful Mattermost on loopback (REST v4 + WebSocket), shaped after key-calls.md: teams,
 * channels, users, posts, reactions, files, statuses, unread counts. Every REST request is checked
 * against the official contract; a violation is answered 400 and recorded. Knobs inject 429 with
 * Retry-After, 5xx storms and dropped or refused sockets.
 */
public final class FakeMattermost implements AutoCloseable {

    public static final String TOKEN = "fake-bot-token-7f3a9c1e5b2d4e6f";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final HttpServer server;
    private final MattermostContract contract;
    private final Path uploads;

    // state
    final Map<String, ObjectNode> users = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> teams = new ConcurrentHashMap<>();
    final Map<String, Set<String>> teamMembers = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> channels = new ConcurrentHashMap<>();
    /** channel id -> user id -> ChannelMember */
    final Map<String, Map<String, ObjectNode>> members = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> posts = new ConcurrentHashMap<>();
    final List<ObjectNode> reactions = new CopyOnWriteArrayList<>();
    final Map<String, ObjectNode> files = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> statuses = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong(System.currentTimeMillis());

    // observation and knobs
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Long> requestTimes = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus;
    private volatile String failureRetryAfter;
    private volatile boolean refuseSockets;
    private final Map<ServerWebSocket, AtomicLong> sockets = new ConcurrentHashMap<>();
    private final AtomicInteger socketConnects = new AtomicInteger();

    public final String botId;
    public final String teamId;

    private FakeMattermost(int port) throws Exception {
        contract = MattermostContract.load();
        uploads = Files.createTempDirectory("fake-mattermost-uploads");
        botId = addUser("switchboard-bot", true);
        tokens.put(TOKEN, botId);
        addUser("alice", false);
        addUser("bob", false);
        addUser("carol", false);
        teamId = addTeam("acme", "ACME");
        for (String u : users.keySet()) {
            teamMembers.get(teamId).add(u);
        }
        String town = addChannel(teamId, "town-square", "Town Square", "O");
        String off = addChannel(teamId, "off-topic", "Off-Topic", "O");
        String secret = addChannel(teamId, "secret", "Secret", "P");
        for (String u : users.keySet()) {
            join(town, u);
            join(off, u);
        }
        join(secret, id("alice"));
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create(uploads.toString()).setBodyLimit(64L << 20));
        router.route("/api/v4/*").handler(this::gate);
        routes(router);
        router.route("/api/v4/*").handler(ctx -> error(ctx, 404, "api.context.404.app_error", "Sorry, we could not find the page."));
        router.post("/fake/post").handler(ctx -> {
            JsonNode b = ctx.body().asPojo(JsonNode.class);
            ObjectNode p = createPost(id(b.path("user").asText()), channelByName(b.path("channel").asText()).path("id").asText(),
                    b.path("message").asText(), "", List.of());
            ctx.json(p);
        });
        router.get("/fake/violations").handler(ctx -> ctx.json(violations()));
        router.post("/fake/drop-sockets").handler(ctx -> {
            dropSockets();
            ctx.end();
        });
        server = vertx.createHttpServer()
                .webSocketHandler(this::socket)
                .requestHandler(router)
                .listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public static FakeMattermost start() throws Exception {
        return new FakeMattermost(0);
    }

    public static FakeMattermost start(int port) throws Exception {
        return new FakeMattermost(port);
    }

    public int port() {
        return server.actualPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    // ------------------------------------------------------------------ knobs and observations

    /** The next {@code count} REST requests answer {@code status} (with Retry-After when given). */
    public void failNext(int count, int status, String retryAfter) {
        failureStatus = status;
        failureRetryAfter = retryAfter;
        failuresLeft.set(count);
    }

    public void recover() {
        failuresLeft.set(0);
    }

    public void refuseSockets(boolean refuse) {
        refuseSockets = refuse;
    }

    public void dropSockets() {
        sockets.keySet().forEach(ws -> ws.close());
    }

    public int openSockets() {
        return sockets.size();
    }

    public int socketConnects() {
        return socketConnects.get();
    }

    public List<String> violations() {
        return List.copyOf(violations);
    }

    public List<String> requests() {
        return List.copyOf(requests);
    }

    public List<Long> requestTimes() {
        return List.copyOf(requestTimes);
    }

    public void clearRequests() {
        requests.clear();
        requestTimes.clear();
    }

    // ------------------------------------------------------------------ test helpers

    public String id(String username) {
        return users.values().stream().filter(u -> u.path("username").asText().equals(username))
                .map(u -> u.path("id").asText()).findFirst().orElseThrow(() -> new IllegalArgumentException(username));
    }

    public ObjectNode channelByName(String name) {
        return channels.values().stream().filter(c -> c.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(name));
    }

    public String channelId(String name) {
        return channelByName(name).path("id").asText();
    }

    /** Someone writes in a channel: stored, counted as unread for the others, and told over the socket. */
    public ObjectNode postAs(String username, String channelName, String message) {
        return createPost(id(username), channelId(channelName), message, "", List.of());
    }

    public ObjectNode post(String postId) {
        return posts.get(postId);
    }

    // ------------------------------------------------------------------ REST

    private void gate(RoutingContext ctx) {
        String path = ctx.request().path();
        requests.add(ctx.request().method() + " " + path + (ctx.request().query() == null ? "" : "?" + ctx.request().query()));
        requestTimes.add(System.nanoTime());
        Map<String, List<String>> query = new LinkedHashMap<>();
        ctx.queryParams().names().forEach(n -> query.put(n, ctx.queryParams().getAll(n)));
        Map<String, String> headers = new LinkedHashMap<>();
        ctx.request().headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
        String contentType = ctx.request().getHeader("Content-Type");
        String body = contentType != null && contentType.startsWith("application/json") && ctx.body().length() > 0
                ? ctx.body().asString() : null;
        List<String> broken = contract.violations(ctx.request().method().name(), path, query, headers, body);
        if (!broken.isEmpty()) {
            violations.addAll(broken);
            error(ctx, 400, "fake.contract.violation", String.join("; ", broken));
            return;
        }
        if (failuresLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            if (failureRetryAfter != null) {
                ctx.response().putHeader("Retry-After", failureRetryAfter);
            }
            error(ctx, failureStatus, failureStatus == 429 ? "api.context.rate_limit.app_error" : "api.context.server_error.app_error",
                    failureStatus == 429 ? "Too many requests" : "Internal server error");
            return;
        }
        String auth = ctx.request().getHeader("Authorization");
        String user = auth != null && auth.startsWith("Bearer ") ? tokens.get(auth.substring(7)) : null;
        if (user == null) {
            error(ctx, 401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.");
            return;
        }
        ctx.put("me", user);
        ctx.next();
    }

    private static String me(RoutingContext ctx) {
        return ctx.get("me");
    }

    private String user(RoutingContext ctx, String param) {
        String v = ctx.pathParam(param);
        return "me".equals(v) ? me(ctx) : v;
    }

    private void routes(Router r) {
        r.get("/api/v4/system/ping").handler(ctx -> ctx.json(Map.of("status", "OK")));
        // users
        r.post("/api/v4/users/ids").handler(ctx -> {
            ArrayNode out = JSON.createArrayNode();
            ctx.body().asPojo(JsonNode.class).forEach(id -> {
                ObjectNode u = users.get(id.asText());
                if (u != null) {
                    out.add(u);
                }
            });
            ctx.json(out);
        });
        r.post("/api/v4/users/search").handler(ctx -> {
            JsonNode b = ctx.body().asPojo(JsonNode.class);
            String term = b.path("term").asText().toLowerCase(Locale.ROOT);
            ArrayNode out = JSON.createArrayNode();
            users.values().stream().filter(u -> u.path("username").asText().contains(term)
                            || u.path("first_name").asText().toLowerCase(Locale.ROOT).contains(term))
                    .filter(u -> !b.has("in_channel_id") || members.getOrDefault(b.path("in_channel_id").asText(), Map.of()).containsKey(u.path("id").asText()))
                    .sorted(Comparator.comparing(u -> u.path("username").asText()))
                    .limit(b.path("limit").asInt(100)).forEach(out::add);
            ctx.json(out);
        });
        r.get("/api/v4/users/username/:username").handler(ctx -> {
            ObjectNode u = users.values().stream().filter(x -> x.path("username").asText().equals(ctx.pathParam("username")))
                    .findFirst().orElse(null);
            if (u == null) {
                error(ctx, 404, "app.user.get_by_username.app_error", "Unable to find an existing account matching your username for this team.");
            } else {
                ctx.json(u);
            }
        });
        r.get("/api/v4/users/:user_id/status").handler(ctx -> {
            String id = user(ctx, "user_id");
            if (!users.containsKey(id)) {
                error(ctx, 404, "app.user.missing_account.const", "Unable to find the user.");
                return;
            }
            ctx.json(statuses.get(id));
        });
        r.put("/api/v4/users/:user_id/status").handler(ctx -> {
            String id = user(ctx, "user_id");
            JsonNode b = ctx.body().asPojo(JsonNode.class);
            if (!b.path("user_id").asText().equals(id)) {
                // As the server: the body's user_id must be the path's real id ("me" is not resolved in bodies).
                error(ctx, 400, "api.context.invalid_body_param.app_error", "Invalid or missing user_id in request body.");
                return;
            }
            if (!id.equals(me(ctx))) {
                error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
                return;
            }
            ObjectNode s = statuses.get(id);
            s.put("status", b.path("status").asText()).put("manual", true).put("last_activity_at", now());
            broadcast("status_change", JSON.createObjectNode().put("status", s.path("status").asText()).put("user_id", id), "");
            ctx.json(s);
        });
        r.get("/api/v4/users/:user_id/teams/:team_id/channels/members").handler(ctx -> {
            String id = user(ctx, "user_id");
            ArrayNode out = JSON.createArrayNode();
            members.forEach((c, m) -> {
                ObjectNode ch = channels.get(c);
                if (m.containsKey(id) && ch.path("team_id").asText().equals(ctx.pathParam("team_id"))) {
                    out.add(m.get(id));
                }
            });
            ctx.json(out);
        });
        r.get("/api/v4/users/:user_id/teams/:team_id/channels").handler(ctx -> {
            String id = user(ctx, "user_id");
            ArrayNode out = JSON.createArrayNode();
            channels.values().stream().filter(c -> c.path("delete_at").asLong() == 0)
                    .filter(c -> members.getOrDefault(c.path("id").asText(), Map.of()).containsKey(id))
                    .filter(c -> c.path("type").asText().matches("[DG]") || c.path("team_id").asText().equals(ctx.pathParam("team_id")))
                    .forEach(out::add);
            ctx.json(out);
        });
        r.get("/api/v4/users/:user_id/teams").handler(ctx -> {
            String id = user(ctx, "user_id");
            ArrayNode out = JSON.createArrayNode();
            teamMembers.forEach((t, m) -> {
                if (m.contains(id)) {
                    out.add(teams.get(t));
                }
            });
            ctx.json(out);
        });
        r.delete("/api/v4/users/:user_id/posts/:post_id/reactions/:emoji_name").handler(ctx -> {
            String id = user(ctx, "user_id");
            if (!id.equals(me(ctx))) {
                error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
                return;
            }
            ObjectNode gone = reactions.stream().filter(x -> x.path("user_id").asText().equals(id)
                    && x.path("post_id").asText().equals(ctx.pathParam("post_id"))
                    && x.path("emoji_name").asText().equals(ctx.pathParam("emoji_name"))).findFirst().orElse(null);
            if (gone != null) {
                reactions.remove(gone);
                broadcast("reaction_removed", JSON.createObjectNode().put("reaction", gone.toString()), gone.path("channel_id").asText());
            }
            ctx.json(Map.of("status", "OK"));
        });
        r.get("/api/v4/users/:user_id").handler(ctx -> {
            ObjectNode u = users.get(user(ctx, "user_id"));
            if (u == null) {
                error(ctx, 404, "app.user.missing_account.const", "Unable to find the user.");
            } else {
                ctx.json(u);
            }
        });
        // teams
        r.get("/api/v4/teams").handler(ctx -> ctx.json(JSON.valueToTree(page(new ArrayList<>(teams.values()), ctx))));
        r.get("/api/v4/teams/:team_id/channels/deleted").handler(ctx -> ctx.json(JSON.valueToTree(page(
                channels.values().stream().filter(c -> c.path("team_id").asText().equals(ctx.pathParam("team_id"))
                        && c.path("delete_at").asLong() > 0 && c.path("type").asText().equals("O")).toList(), ctx))));
        r.get("/api/v4/teams/:team_id/channels/name/:channel_name").handler(ctx -> {
            ObjectNode c = channels.values().stream().filter(x -> x.path("team_id").asText().equals(ctx.pathParam("team_id"))
                    && x.path("name").asText().equals(ctx.pathParam("channel_name")) && x.path("delete_at").asLong() == 0).findFirst().orElse(null);
            if (c == null) {
                error(ctx, 404, "app.channel.get_by_name.missing.app_error", "Channel does not exist.");
            } else if (!canRead(c, me(ctx))) {
                error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
            } else {
                ctx.json(c);
            }
        });
        r.post("/api/v4/teams/:team_id/channels/search").handler(ctx -> {
            String term = ctx.body().asPojo(JsonNode.class).path("term").asText().toLowerCase(Locale.ROOT);
            ArrayNode out = JSON.createArrayNode();
            channels.values().stream().filter(c -> c.path("team_id").asText().equals(ctx.pathParam("team_id"))
                            && c.path("type").asText().equals("O") && c.path("delete_at").asLong() == 0
                            && (c.path("name").asText().contains(term) || c.path("display_name").asText().toLowerCase(Locale.ROOT).contains(term)))
                    .forEach(out::add);
            ctx.json(out);
        });
        r.post("/api/v4/teams/:team_id/posts/search").handler(ctx -> {
            JsonNode b = ctx.body().asPojo(JsonNode.class);
            List<String> words = List.of(b.path("terms").asText().toLowerCase(Locale.ROOT).split("\\s+"));
            boolean or = b.path("is_or_search").asBoolean();
            List<ObjectNode> found = posts.values().stream().filter(p -> p.path("delete_at").asLong() == 0)
                    .filter(p -> channels.get(p.path("channel_id").asText()).path("team_id").asText().equals(ctx.pathParam("team_id"))
                            && canRead(channels.get(p.path("channel_id").asText()), me(ctx)))
                    .filter(p -> {
                        String text = p.path("message").asText().toLowerCase(Locale.ROOT);
                        return or ? words.stream().anyMatch(text::contains) : words.stream().allMatch(text::contains);
                    }).toList();
            ctx.json(postList(found));
        });
        r.get("/api/v4/teams/:team_id/channels").handler(ctx -> ctx.json(JSON.valueToTree(page(
                channels.values().stream().filter(c -> c.path("team_id").asText().equals(ctx.pathParam("team_id"))
                        && c.path("type").asText().equals("O") && c.path("delete_at").asLong() == 0)
                        .sorted(Comparator.comparing(c -> c.path("name").asText())).toList(), ctx))));
        r.get("/api/v4/teams/:team_id").handler(ctx -> {
            ObjectNode t = teams.get(ctx.pathParam("team_id"));
            if (t == null) {
                error(ctx, 404, "app.team.get.find.app_error", "Unable to find the existing team.");
            } else {
                ctx.json(t);
            }
        });
        // channels
        r.post("/api/v4/channels/direct").handler(ctx -> {
            JsonNode ids = ctx.body().asPojo(JsonNode.class);
            String a = ids.get(0).asText();
            String b = ids.get(1).asText();
            if (!users.containsKey(a) || !users.containsKey(b)) {
                error(ctx, 400, "api.context.invalid_body_param.app_error", "Invalid or missing user_id in request body.");
                return;
            }
            String name = a.compareTo(b) < 0 ? a + "__" + b : b + "__" + a;
            ObjectNode existing = channels.values().stream().filter(c -> c.path("name").asText().equals(name)).findFirst().orElse(null);
            if (existing == null) {
                String id = addChannel("", name, "", "D");
                join(id, a);
                join(id, b);
                existing = channels.get(id);
            }
            ctx.response().setStatusCode(201);
            ctx.json(existing);
        });
        r.post("/api/v4/channels").handler(ctx -> {
            JsonNode b = ctx.body().asPojo(JsonNode.class);
            String team = b.path("team_id").asText();
            if (!teams.containsKey(team)) {
                error(ctx, 404, "app.team.get.find.app_error", "Unable to find the existing team.");
                return;
            }
            boolean taken = channels.values().stream().anyMatch(c -> c.path("team_id").asText().equals(team)
                    && c.path("name").asText().equals(b.path("name").asText()));
            if (taken) {
                error(ctx, 400, "store.sql_channel.save_channel.exists.app_error", "A channel with that name already exists on the same team.");
                return;
            }
            String id = addChannel(team, b.path("name").asText(), b.path("display_name").asText(), b.path("type").asText());
            channels.get(id).put("purpose", b.path("purpose").asText("")).put("header", b.path("header").asText("")).put("creator_id", me(ctx));
            join(id, me(ctx));
            ctx.response().setStatusCode(201);
            ctx.json(channels.get(id));
        });
        r.get("/api/v4/channels/:channel_id/posts").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c == null) {
                return;
            }
            List<ObjectNode> in = posts.values().stream().filter(p -> p.path("channel_id").asText().equals(c.path("id").asText()))
                    .sorted(Comparator.comparingLong((ObjectNode p) -> p.path("create_at").asLong()).reversed()).toList();
            String since = ctx.queryParams().get("since");
            if (since != null) {
                long s = Long.parseLong(since);
                in = in.stream().filter(p -> p.path("update_at").asLong() >= s).toList();
            } else {
                in = in.stream().filter(p -> p.path("delete_at").asLong() == 0).toList();
                int page = intParam(ctx, "page", 0);
                int per = Math.min(200, intParam(ctx, "per_page", 60));
                in = in.subList(Math.min(in.size(), page * per), Math.min(in.size(), page * per + per));
            }
            ctx.json(postList(in));
        });
        r.get("/api/v4/channels/:channel_id/stats").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c != null) {
                String id = c.path("id").asText();
                ctx.json(Map.of("channel_id", id, "member_count", members.get(id).size(), "guest_count", 0,
                        "pinnedpost_count", posts.values().stream().filter(p -> p.path("channel_id").asText().equals(id)
                                && p.path("is_pinned").asBoolean()).count(), "files_count",
                        files.values().stream().filter(f -> f.path("channel_id").asText().equals(id)).count()));
            }
        });
        r.put("/api/v4/channels/:channel_id/patch").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c != null) {
                JsonNode b = ctx.body().asPojo(JsonNode.class);
                for (String f : List.of("display_name", "purpose", "header", "name")) {
                    if (b.has(f)) {
                        c.put(f, b.path(f).asText());
                    }
                }
                c.put("update_at", now());
                ctx.json(c);
            }
        });
        r.get("/api/v4/channels/:channel_id/members").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c != null) {
                ctx.json(JSON.valueToTree(page(new ArrayList<>(members.get(c.path("id").asText()).values()), ctx)));
            }
        });
        r.post("/api/v4/channels/:channel_id/members").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c == null) {
                return;
            }
            String u = ctx.body().asPojo(JsonNode.class).path("user_id").asText();
            if (!users.containsKey(u)) {
                error(ctx, 404, "app.user.missing_account.const", "Unable to find the user.");
                return;
            }
            join(c.path("id").asText(), u);
            ctx.response().setStatusCode(201);
            ctx.json(members.get(c.path("id").asText()).get(u));
        });
        r.delete("/api/v4/channels/:channel_id/members/:user_id").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c != null) {
                members.get(c.path("id").asText()).remove(user(ctx, "user_id"));
                ctx.json(Map.of("status", "OK"));
            }
        });
        r.get("/api/v4/channels/:channel_id").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c != null) {
                ctx.json(c);
            }
        });
        r.delete("/api/v4/channels/:channel_id").handler(ctx -> {
            ObjectNode c = readable(ctx);
            if (c != null) {
                c.put("delete_at", now());
                ctx.json(Map.of("status", "OK"));
            }
        });
        // posts
        r.post("/api/v4/posts").handler(ctx -> {
            JsonNode b = ctx.body().asPojo(JsonNode.class);
            ObjectNode c = channels.get(b.path("channel_id").asText());
            if (c == null || c.path("delete_at").asLong() > 0) {
                error(ctx, 404, "app.channel.get.existing.app_error", "Unable to find the existing channel.");
                return;
            }
            if (!members.get(c.path("id").asText()).containsKey(me(ctx))) {
                error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
                return;
            }
            String root = b.path("root_id").asText("");
            if (!root.isEmpty() && !posts.containsKey(root)) {
                error(ctx, 400, "api.post.create_post.root_id.app_error", "Invalid RootId parameter.");
                return;
            }
            List<String> fileIds = new ArrayList<>();
            b.path("file_ids").forEach(f -> fileIds.add(f.asText()));
            ObjectNode p = createPost(me(ctx), c.path("id").asText(), b.path("message").asText(), root, fileIds);
            if (b.has("props")) {
                p.set("props", b.get("props"));
            }
            ctx.response().setStatusCode(201);
            ctx.json(p);
        });
        r.get("/api/v4/posts/:post_id/thread").handler(ctx -> {
            ObjectNode p = visiblePost(ctx);
            if (p != null) {
                String root = p.path("root_id").asText("").isEmpty() ? p.path("id").asText() : p.path("root_id").asText();
                ctx.json(postList(posts.values().stream().filter(x -> x.path("delete_at").asLong() == 0
                        && (x.path("id").asText().equals(root) || x.path("root_id").asText().equals(root))).toList()));
            }
        });
        r.post("/api/v4/posts/:post_id/pin").handler(ctx -> pin(ctx, true));
        r.post("/api/v4/posts/:post_id/unpin").handler(ctx -> pin(ctx, false));
        r.put("/api/v4/posts/:post_id/patch").handler(ctx -> {
            ObjectNode p = visiblePost(ctx);
            if (p == null) {
                return;
            }
            if (!p.path("user_id").asText().equals(me(ctx))) {
                error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
                return;
            }
            long t = now();
            p.put("message", ctx.body().asPojo(JsonNode.class).path("message").asText()).put("edit_at", t).put("update_at", t);
            broadcast("post_edited", JSON.createObjectNode().put("post", p.toString()), p.path("channel_id").asText());
            ctx.json(p);
        });
        r.get("/api/v4/posts/:post_id").handler(ctx -> {
            ObjectNode p = visiblePost(ctx);
            if (p != null) {
                ctx.json(p);
            }
        });
        r.delete("/api/v4/posts/:post_id").handler(ctx -> {
            ObjectNode p = visiblePost(ctx);
            if (p == null) {
                return;
            }
            if (!p.path("user_id").asText().equals(me(ctx))) {
                error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
                return;
            }
            long t = now();
            p.put("delete_at", t).put("update_at", t);
            broadcast("post_deleted", JSON.createObjectNode().put("post", p.toString()), p.path("channel_id").asText());
            ctx.json(Map.of("status", "OK"));
        });
        // reactions
        r.post("/api/v4/reactions").handler(ctx -> {
            JsonNode b = ctx.body().asPojo(JsonNode.class);
            if (!b.path("user_id").asText().equals(me(ctx))) {
                // "me" is not resolved inside bodies; someone else's id needs permissions the bot lacks.
                error(ctx, "me".equals(b.path("user_id").asText()) ? 400 : 403, "api.context.invalid_body_param.app_error",
                        "Invalid or missing user_id in request body.");
                return;
            }
            ObjectNode p = posts.get(b.path("post_id").asText());
            if (p == null || p.path("delete_at").asLong() > 0) {
                error(ctx, 404, "app.post.get.app_error", "Unable to get the post.");
                return;
            }
            ObjectNode reaction = JSON.createObjectNode().put("user_id", me(ctx)).put("post_id", p.path("id").asText())
                    .put("emoji_name", b.path("emoji_name").asText()).put("create_at", now()).put("update_at", now())
                    .put("delete_at", 0).put("remote_id", "").put("channel_id", p.path("channel_id").asText());
            reactions.add(reaction);
            broadcast("reaction_added", JSON.createObjectNode().put("reaction", reaction.toString()), p.path("channel_id").asText());
            ctx.response().setStatusCode(201);
            ctx.json(reaction);
        });
        // files
        r.post("/api/v4/files").handler(ctx -> {
            List<FileUpload> ups = ctx.fileUploads();
            String channel = ctx.request().getFormAttribute("channel_id");
            if (ups.isEmpty() || channel == null || !channels.containsKey(channel)) {
                error(ctx, 400, "api.file.upload_file.incorrect_number_of_files.app_error", "Unable to upload files. Incorrect number of files specified.");
                return;
            }
            ArrayNode infos = JSON.createArrayNode();
            for (FileUpload up : ups) {
                String name = up.fileName();
                String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
                ObjectNode f = JSON.createObjectNode().put("id", newId()).put("user_id", me(ctx)).put("post_id", "")
                        .put("channel_id", channel).put("create_at", now()).put("update_at", now()).put("delete_at", 0)
                        .put("name", name).put("extension", ext).put("size", up.size()).put("mime_type", up.contentType())
                        .put("width", 0).put("height", 0).put("has_preview_image", false);
                files.put(f.path("id").asText(), f);
                infos.add(f);
            }
            ctx.response().setStatusCode(201);
            ctx.json(JSON.createObjectNode().<ObjectNode>set("file_infos", infos).set("client_ids", JSON.createArrayNode()));
        });
        r.get("/api/v4/files/:file_id/info").handler(ctx -> {
            ObjectNode f = files.get(ctx.pathParam("file_id"));
            if (f == null) {
                error(ctx, 404, "app.file_info.get.app_error", "Unable to get the file info.");
            } else {
                ctx.json(f);
            }
        });
    }

    private void pin(RoutingContext ctx, boolean pinned) {
        ObjectNode p = visiblePost(ctx);
        if (p != null) {
            p.put("is_pinned", pinned).put("update_at", now());
            ctx.json(Map.of("status", "OK"));
        }
    }

    private ObjectNode readable(RoutingContext ctx) {
        ObjectNode c = channels.get(ctx.pathParam("channel_id"));
        if (c == null) {
            error(ctx, 404, "app.channel.get.existing.app_error", "Unable to find the existing channel.");
            return null;
        }
        if (!canRead(c, me(ctx))) {
            error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
            return null;
        }
        return c;
    }

    private ObjectNode visiblePost(RoutingContext ctx) {
        ObjectNode p = posts.get(ctx.pathParam("post_id"));
        if (p == null || p.path("delete_at").asLong() > 0) {
            error(ctx, 404, "app.post.get.app_error", "Unable to get the post.");
            return null;
        }
        if (!canRead(channels.get(p.path("channel_id").asText()), me(ctx))) {
            error(ctx, 403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
            return null;
        }
        return p;
    }

    private boolean canRead(ObjectNode channel, String user) {
        return "O".equals(channel.path("type").asText()) || members.getOrDefault(channel.path("id").asText(), Map.of()).containsKey(user);
    }

    private static int intParam(RoutingContext ctx, String name, int fallback) {
        String v = ctx.queryParams().get(name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    private static <T> List<T> page(List<T> all, RoutingContext ctx) {
        int page = intParam(ctx, "page", 0);
        int per = Math.min(200, intParam(ctx, "per_page", 60));
        return all.subList(Math.min(all.size(), page * per), Math.min(all.size(), page * per + per));
    }

    private ObjectNode postList(List<ObjectNode> list) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode order = out.putArray("order");
        ObjectNode byId = out.putObject("posts");
        list.stream().sorted(Comparator.comparingLong((ObjectNode p) -> p.path("create_at").asLong()).reversed())
                .forEach(p -> {
                    order.add(p.path("id").asText());
                    byId.set(p.path("id").asText(), p);
                });
        out.put("next_post_id", "").put("prev_post_id", "").put("has_next", false).put("first_inaccessible_post_time", 0);
        return out;
    }

    private static void error(RoutingContext ctx, int status, String id, String message) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(JSON.createObjectNode().put("id", id).put("message", message).put("detailed_error", "")
                        .put("request_id", newId()).put("status_code", status).toString());
    }

    // ------------------------------------------------------------------ state changes

    /** Strictly increasing milliseconds, so posts order and "since" are exact. */
    long now() {
        return clock.updateAndGet(prev -> Math.max(prev + 1, System.currentTimeMillis()));
    }

    static String newId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder s = new StringBuilder(26);
        for (int i = 0; i < 26; i++) {
            s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private String addUser(String username, boolean bot) {
        String id = newId();
        users.put(id, JSON.createObjectNode().put("id", id).put("create_at", now()).put("update_at", now()).put("delete_at", 0)
                .put("username", username).put("first_name", Character.toUpperCase(username.charAt(0)) + username.substring(1))
                .put("last_name", "").put("nickname", "").put("email", username + "@example.org").put("email_verified", true)
                .put("auth_service", "").put("roles", "system_user").put("locale", "en").put("position", "")
                .put("is_bot", bot));
        statuses.put(id, JSON.createObjectNode().put("user_id", id).put("status", "online").put("manual", false)
                .put("last_activity_at", now()).put("dnd_end_time", 0));
        return id;
    }

    private String addTeam(String name, String display) {
        String id = newId();
        teams.put(id, JSON.createObjectNode().put("id", id).put("create_at", now()).put("update_at", now()).put("delete_at", 0)
                .put("display_name", display).put("name", name).put("description", "").put("email", "").put("type", "O")
                .put("allowed_domains", "").put("invite_id", "").put("allow_open_invite", true));
        teamMembers.put(id, ConcurrentHashMap.newKeySet());
        return id;
    }

    private String addChannel(String team, String name, String display, String type) {
        String id = newId();
        channels.put(id, JSON.createObjectNode().put("id", id).put("create_at", now()).put("update_at", now()).put("delete_at", 0)
                .put("team_id", team).put("type", type).put("display_name", display).put("name", name).put("header", "")
                .put("purpose", "").put("last_post_at", 0).put("total_msg_count", 0).put("extra_update_at", 0).put("creator_id", ""));
        members.put(id, new ConcurrentHashMap<>());
        return id;
    }

    private void join(String channel, String user) {
        members.get(channel).computeIfAbsent(user, u -> JSON.createObjectNode().put("channel_id", channel).put("user_id", u)
                .put("roles", "channel_user").put("last_viewed_at", now()).put("msg_count", channels.get(channel).path("total_msg_count").asLong())
                .put("mention_count", 0).put("last_update_at", now()));
    }

    private ObjectNode createPost(String user, String channel, String message, String root, List<String> fileIds) {
        long t = now();
        ObjectNode p = JSON.createObjectNode().put("id", newId()).put("create_at", t).put("update_at", t).put("edit_at", 0)
                .put("delete_at", 0).put("is_pinned", false).put("user_id", user).put("channel_id", channel)
                .put("root_id", root).put("original_id", "").put("message", message).put("type", "").put("hashtags", "")
                .put("pending_post_id", "").put("reply_count", 0).put("last_reply_at", 0);
        p.putObject("props");
        ArrayNode f = p.putArray("file_ids");
        fileIds.forEach(f::add);
        p.putNull("participants");
        p.putObject("metadata");
        posts.put(p.path("id").asText(), p);
        fileIds.forEach(id -> {
            if (files.containsKey(id)) {
                files.get(id).put("post_id", p.path("id").asText());
            }
        });
        if (!root.isEmpty()) {
            posts.get(root).put("reply_count", posts.get(root).path("reply_count").asInt() + 1).put("last_reply_at", t);
        }
        ObjectNode c = channels.get(channel);
        c.put("last_post_at", t).put("total_msg_count", c.path("total_msg_count").asLong() + 1);
        List<String> mentioned = new ArrayList<>();
        members.get(channel).forEach((u, m) -> {
            if (u.equals(user)) {
                // Writing marks the channel read for the author.
                m.put("msg_count", c.path("total_msg_count").asLong()).put("last_viewed_at", t).put("mention_count", 0);
            } else if (message.contains("@" + users.get(u).path("username").asText()) || "D".equals(c.path("type").asText())) {
                m.put("mention_count", m.path("mention_count").asLong() + 1);
                mentioned.add(u);
            }
        });
        ObjectNode data = JSON.createObjectNode().put("channel_display_name", c.path("display_name").asText())
                .put("channel_name", c.path("name").asText()).put("channel_type", c.path("type").asText())
                .put("post", p.toString()).put("sender_name", "@" + users.get(user).path("username").asText())
                .put("team_id", c.path("team_id").asText()).put("set_online", true);
        if (!mentioned.isEmpty()) {
            data.put("mentions", JSON.valueToTree(mentioned).toString());
        }
        broadcast("posted", data, channel);
        return p;
    }

    // ------------------------------------------------------------------ WebSocket

    private void socket(ServerWebSocket ws) {
        if (!ws.path().equals("/api/v4/websocket")) {
            ws.reject(404);
            return;
        }
        if (refuseSockets) {
            ws.reject(503);
            return;
        }
        socketConnects.incrementAndGet();
        ws.textMessageHandler(text -> {
            JsonNode msg;
            try {
                msg = JSON.readTree(text);
            } catch (Exception e) {
                return;
            }
            int seq = msg.path("seq").asInt();
            if ("authentication_challenge".equals(msg.path("action").asText())) {
                String user = tokens.get(msg.path("data").path("token").asText());
                if (user == null) {
                    ws.writeTextMessage(JSON.createObjectNode().put("status", "FAIL").put("seq_reply", seq)
                            .set("error", JSON.createObjectNode().put("id", "api.web_socket_router.not_authenticated.app_error")
                                    .put("message", "Invalid or expired session")).toString());
                    return;
                }
                ws.writeTextMessage(JSON.createObjectNode().put("status", "OK").put("seq_reply", seq).toString());
                AtomicLong counter = new AtomicLong();
                ObjectNode hello = JSON.createObjectNode().put("event", "hello");
                hello.putObject("data").put("server_version", "9.8.1.fake.0.false").put("connection_id", newId());
                hello.set("broadcast", broadcastOf(user, ""));
                hello.put("seq", counter.getAndIncrement());
                ws.writeTextMessage(hello.toString());
                sockets.put(ws, counter);
            }
        });
        ws.closeHandler(v -> sockets.remove(ws));
    }

    private static ObjectNode broadcastOf(String user, String channel) {
        ObjectNode b = JSON.createObjectNode();
        b.putNull("omit_users");
        b.put("user_id", user).put("channel_id", channel).put("team_id", "").put("connection_id", "").put("omit_connection_id", "");
        return b;
    }

    private void broadcast(String event, ObjectNode data, String channel) {
        sockets.forEach((ws, seq) -> {
            ObjectNode frame = JSON.createObjectNode().put("event", event);
            frame.set("data", data);
            frame.set("broadcast", broadcastOf("", channel));
            synchronized (seq) {
                frame.put("seq", seq.getAndIncrement());
                ws.writeTextMessage(frame.toString());
            }
        });
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * Runs the fake as its own process (the end-to-end test and the benchmark start it): prints its
     * URL and token as one JSON line; with --stdin it stops when its stdin closes (its parent is gone),
     * otherwise when it is terminated.
     */
    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        int port = a.stream().filter(s -> s.matches("\\d+")).findFirst().map(Integer::parseInt).orElse(0);
        try (FakeMattermost fake = start(port)) {
            ObjectNode ready = JSON.createObjectNode().put("url", fake.url()).put("token", TOKEN).put("team_id", fake.teamId)
                    .put("bot_id", fake.botId).put("town_square", fake.channelId("town-square"));
            System.out.println(ready);
            System.out.flush();
            if (a.contains("--stdin")) {
                while (System.in.read() >= 0) {
                    // until the parent closes our stdin
                }
            } else {
                Thread.currentThread().join();
            }
        }
    }
}
