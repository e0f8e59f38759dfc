package io.switchboard.guard;

import java.util.List;
import java.util.Map;

/**
 * A failure a route wants the client to see as it is: the message is meant for the client (it is
 * still sanitised), with a code and suggestions. Anything else a route throws is reported as an
 * internal error whose detail stays in the log.
 */
public class ToolException extends RuntimeException {

    private final ErrorCode code;
    private final List<String> suggestions;
    private final Map<String, Object> details;

    /** A validation error; the form {@code throwException} in a YAML route can create. */
    public ToolException(String message) {
        this(ErrorCode.VALIDATION_ERROR, message, List.of(), Map.of());
    }

    public ToolException(ErrorCode code, String message, List<String> suggestions) {
        this(code, message, suggestions, Map.of());
    }

    public ToolException(ErrorCode code, String message, List<String> suggestions, Map<String, Object> details) {
        super(message, null, false, false);
        this.code = code;
        this.suggestions = List.copyOf(suggestions);
        this.details = Map.copyOf(details);
    }

    public static ToolException validation(String message, String... suggestions) {
        return new ToolException(ErrorCode.VALIDATION_ERROR, message, List.of(suggestions));
    }

    public static ToolException notFound(String message, String... suggestions) {
        return new ToolException(ErrorCode.NOT_FOUND, message, List.of(suggestions));
    }

    public ErrorCode code() {
        return code;
    }

    public List<String> suggestions() {
        return suggestions;
    }

    public Map<String, Object> details() {
        return details;
    }
}
