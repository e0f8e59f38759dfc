package io.switchboard.mattermost;

import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.util.List;
import java.util.Map;

/**
 * Mattermost answered 5xx or 429: worth retrying (after {@link #retryAfterMillis} when the server
 * said so) and a failure the circuit breaker counts. Once retries are spent the client sees it as
 * connection_error or rate_limit_exceeded.
 */
public final class MattermostUnavailable extends ToolException {

    private final long retryAfterMillis;

    public MattermostUnavailable(ErrorCode code, String message, long retryAfterMillis, int status) {
        super(code, message, code == ErrorCode.RATE_LIMIT_EXCEEDED
                ? List.of("Wait a little and retry", "Ask for fewer items per call")
                : List.of("Retry later", "Check /observe/health for Mattermost's state"),
                Map.of("status_code", status));
        this.retryAfterMillis = retryAfterMillis;
    }

    /** The server's Retry-After in milliseconds, or -1 when it sent none. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
