package io.switchboard.guard;

import java.util.Locale;

/** The error codes a client may see in a tool error envelope (spec/TOOLS.md). */
public enum ErrorCode {
    VALIDATION_ERROR,
    NOT_FOUND,
    PERMISSION_DENIED,
    INTERNAL_ERROR,
    TIMEOUT_ERROR,
    RATE_LIMIT_EXCEEDED,
    CONNECTION_ERROR,
    CIRCUIT_OPEN,
    CLIENT_ERROR,
    QUEUE_FULL;

    /** The wire form, e.g. {@code validation_error}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
