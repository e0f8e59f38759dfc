package io.switchboard.mattermost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * The Mattermost server and the client path's limits, from switchboard.mattermost.* (environment
 * first). No URL means the bridge is off: its tools are listed and say which variable to set.
 */
public record MattermostSettings(
        String url,
        String token,
        String trustStore,
        String trustStorePassword,
        int rate,
        int retries,
        long retryDelayMillis,
        long retryMaxDelayMillis,
        int breakerFailures,
        int breakerOpenSeconds,
        int connectTimeoutMillis,
        int responseTimeoutMillis,
        Duration cacheTtl,
        long maxUploadBytes,
        Duration socketBackoffInitial,
        Duration socketBackoffMax,
        long pollIntervalMillis,
        int eventQueueSize,
        int dedupSize) {

    public boolean configured() {
        return url != null && !url.isBlank();
    }

    /** REST base: {url}/api/v4 (a trailing slash in the setting is forgiven). */
    public String apiBase() {
        return stripSlash(url) + "/api/v4";
    }

    /** ws(s)://host/api/v4/websocket for http(s)://host. */
    public String websocketUrl() {
        String base = stripSlash(url);
        return (base.startsWith("https://") ? "wss://" + base.substring(8)
                : base.startsWith("http://") ? "ws://" + base.substring(7) : base) + "/api/v4/websocket";
    }

    public static MattermostSettings from(Function<String, String> property) {
        String url = blankToNull(property.apply("switchboard.mattermost.url"));
        String token = blankToNull(property.apply("switchboard.mattermost.token"));
        String tokenFile = blankToNull(property.apply("switchboard.mattermost.token-file"));
        if (token == null && tokenFile != null) {
            try {
                token = Files.readString(Path.of(tokenFile)).strip();
            } catch (IOException e) {
                // The path may be a secret's location: name the setting, not what it holds.
                throw new IllegalStateException("SWITCHBOARD_MATTERMOST_TOKEN_FILE cannot be read (" + e.getClass().getSimpleName() + ")");
            }
        }
        if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalStateException("SWITCHBOARD_MATTERMOST_URL must start with http:// or https://");
        }
        return new MattermostSettings(
                url,
                token,
                blankToNull(property.apply("switchboard.mattermost.trust-store")),
                blankToNull(property.apply("switchboard.mattermost.trust-store-password")),
                Integer.parseInt(property.apply("switchboard.mattermost.rate").strip()),
                Integer.parseInt(property.apply("switchboard.mattermost.retries").strip()),
                Long.parseLong(property.apply("switchboard.mattermost.retry-delay-millis").strip()),
                Long.parseLong(property.apply("switchboard.mattermost.retry-max-delay-millis").strip()),
                Integer.parseInt(property.apply("switchboard.mattermost.breaker-failures").strip()),
                Integer.parseInt(property.apply("switchboard.mattermost.breaker-open-seconds").strip()),
                Integer.parseInt(property.apply("switchboard.mattermost.connect-timeout-millis").strip()),
                Integer.parseInt(property.apply("switchboard.mattermost.response-timeout-millis").strip()),
                Duration.parse(property.apply("switchboard.mattermost.cache-ttl").strip()),
                Long.parseLong(property.apply("switchboard.mattermost.max-upload-bytes").strip()),
                Duration.parse(property.apply("switchboard.mattermost.socket-backoff-initial").strip()),
                Duration.parse(property.apply("switchboard.mattermost.socket-backoff-max").strip()),
                Long.parseLong(property.apply("switchboard.mattermost.poll-interval-millis").strip()),
                Integer.parseInt(property.apply("switchboard.mattermost.event-queue-size").strip()),
                Integer.parseInt(property.apply("switchboard.mattermost.dedup-size").strip()));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public String toString() {
        // Never the token, not even in a debug log of this record.
        return "MattermostSettings[url=" + url + ", rate=" + rate + ", retries=" + retries + "]";
    }
}
