package io.switchboard.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.switchboard.observe.McpMetrics;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may talk to the MCP endpoints, checked before a body is read: Host and Origin (DNS
 * rebinding protection), bearer tokens when configured, and a per-client request rate.
 */
public final class AccessGuard implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(AccessGuard.class);
    private static final String CLIENT_KEY = "switchboard.client";
    private static final Pattern LOOPBACK_HOST = Pattern.compile(
            "^(localhost|127(\\.\\d{1,3}){3}|\\[::1\\])(:\\d{1,5})?$", Pattern.CASE_INSENSITIVE);

    private final List<byte[]> tokens;
    private final boolean checkHost;
    private final List<Pattern> extraOrigins;
    private final RateLimiterConfig rateConfig;
    private final Cache<String, RateLimiter> limiters;
    private final McpMetrics metrics;

    /**
     * @param tokens         accepted bearer tokens; empty means no authentication
     * @param loopbackOnly   true when the server is bound to loopback: then only loopback Host headers pass
     * @param extraOrigins   browser origins allowed besides loopback ones, '*' matching any port
     * @param ratePerSecond  requests per second per client; 0 turns the limit off
     */
    public AccessGuard(List<String> tokens, boolean loopbackOnly, List<String> extraOrigins, int ratePerSecond,
                       McpMetrics metrics) {
        this.tokens = tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
        this.checkHost = loopbackOnly;
        this.extraOrigins = extraOrigins.stream()
                .map(o -> Pattern.compile(Pattern.quote(o.toLowerCase(Locale.ROOT)).replace("*", "\\E[^/]*\\Q")))
                .toList();
        this.rateConfig = ratePerSecond <= 0 ? null : RateLimiterConfig.custom()
                .limitForPeriod(ratePerSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build();
        this.limiters = Caffeine.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofMinutes(10)).build();
        this.metrics = metrics;
    }

    @Override
    public void handle(RoutingContext ctx) {
        admit(ctx, true);
    }

    /**
     * The same Host, Origin and bearer-token checks without the per-client rate: for an HTTP API
     * on this port that Switchboard's own tools call for every tool call (the embedded Bindery
     * backend), where the MCP request that caused the call has already been counted.
     */
    public Handler<RoutingContext> withoutRateLimit() {
        return ctx -> admit(ctx, false);
    }

    /** The bearer token this gateway's own clients present to its other HTTP APIs (none: empty). */
    public java.util.Optional<String> ownToken() {
        return tokens.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(new String(tokens.get(0), StandardCharsets.UTF_8));
    }

    private void admit(RoutingContext ctx, boolean rateLimited) {
        // authority() is the Host header in HTTP/1.1 and :authority in HTTP/2.
        HostAndPort authority = ctx.request().authority();
        String host = authority == null ? null : authority.host();
        if (checkHost && (host == null || !LOOPBACK_HOST.matcher(host).matches())) {
            reject(ctx, 403, "Forbidden: Host header is not a local address", "host");
            return;
        }
        String origin = ctx.request().getHeader("Origin");
        if (origin != null && !originAllowed(origin)) {
            reject(ctx, 403, "Forbidden: Origin not allowed", "origin");
            return;
        }
        String client;
        if (tokens.isEmpty()) {
            client = "addr:" + ctx.request().remoteAddress().hostAddress();
        } else {
            String auth = ctx.request().getHeader("Authorization");
            String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
            if (token == null || !tokenValid(token)) {
                ctx.response().putHeader("WWW-Authenticate", token == null
                        ? "Bearer realm=\"switchboard\""
                        : "Bearer realm=\"switchboard\", error=\"invalid_token\"");
                reject(ctx, 401, "Unauthorized: a valid bearer token is required", token == null ? "no_token" : "bad_token");
                return;
            }
            client = "token:" + fingerprint(token);
        }
        ctx.put(CLIENT_KEY, client);
        if (rateLimited && rateConfig != null) {
            RateLimiter limiter = limiters.get(client, k -> RateLimiter.of(k, rateConfig));
            if (!limiter.acquirePermission()) {
                ctx.response().putHeader("Retry-After", "1");
                reject(ctx, 429, "Too Many Requests: slow down", "rate_limit");
                return;
            }
        }
        ctx.next();
    }

    /** The client a request came from, as the guard identified it (never the raw token). */
    public static String clientKey(RoutingContext ctx) {
        String key = ctx.get(CLIENT_KEY);
        return key != null ? key : "addr:" + ctx.request().remoteAddress().hostAddress();
    }

    /** Writes a JSON-RPC error with the HTTP status, and a correlation id the log also carries. */
    public static void jsonRpcError(RoutingContext ctx, int status, Object id, int code, String message) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        String correlation = UUID.randomUUID().toString();
        JsonObject error = new JsonObject().put("code", code).put("message", message)
                .put("data", new JsonObject().put("correlation_id", correlation));
        JsonObject body = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error", error);
        LOG.debug("HTTP {} [{}]: {}", status, correlation, message);
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    /** A header value made safe to quote in a message: printable ASCII, bounded. */
    public static String printable(String value) {
        if (value.length() <= 64 && isPrintableAscii(value)) {
            // The usual case (a method name on every request): no regex, no copy.
            return value;
        }
        String s = value.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    private static boolean isPrintableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private void reject(RoutingContext ctx, int status, String message, String reason) {
        metrics.rejected(reason);
        jsonRpcError(ctx, status, null, -32000, message);
    }

    private boolean originAllowed(String origin) {
        String o = origin.toLowerCase(Locale.ROOT);
        try {
            URI uri = URI.create(o);
            String authority = uri.getRawAuthority();
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && authority != null && LOOPBACK_HOST.matcher(authority).matches()) {
                return true;
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
        return extraOrigins.stream().anyMatch(p -> p.matcher(o).matches());
    }

    private boolean tokenValid(String token) {
        byte[] presented = token.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] t : tokens) {
            // Constant time per token, and every token is compared, so timing says nothing.
            ok |= MessageDigest.isEqual(t, presented);
        }
        return ok;
    }

    private static String fingerprint(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
