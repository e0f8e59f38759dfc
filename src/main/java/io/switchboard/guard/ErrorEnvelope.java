package io.switchboard.guard;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.camel.ExchangeTimedOutException;

/**
 * The body of every failed tool call: {@code {error, error_code, operation, suggestions[], correlation_id}}.
 * Only messages meant for clients pass through (sanitised); anything unexpected becomes an
 * internal error that names the correlation id under which the log keeps the detail.
 */
public record ErrorEnvelope(ErrorCode code, String message, String operation, List<String> suggestions,
                            Map<String, Object> details, String correlationId) {

    public static ErrorEnvelope of(ErrorCode code, String message, String operation, List<String> suggestions,
                                   String correlationId) {
        return new ErrorEnvelope(code, Sanitizer.clean(message), operation, suggestions, Map.of(), correlationId);
    }

    /** Classifies whatever a route threw, walking its causes; unknown failures keep their detail in the log. */
    public static ErrorEnvelope fromThrowable(Throwable failure, String operation, String correlationId) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ToolException te) {
                return new ErrorEnvelope(te.code(), Sanitizer.clean(te.getMessage()), operation, te.suggestions(),
                        te.details(), correlationId);
            }
            if (t instanceof CallNotPermittedException) {
                return of(ErrorCode.CIRCUIT_OPEN, "The connection to this system is paused after repeated failures",
                        operation, List.of("Retry in a minute", "Check /observe/health for the system's state"), correlationId);
            }
            if (t instanceof RequestNotPermitted) {
                return of(ErrorCode.RATE_LIMIT_EXCEEDED, "Too many requests to this system", operation,
                        List.of("Slow down and retry"), correlationId);
            }
            if (t instanceof TimeoutException || t instanceof ExchangeTimedOutException || t instanceof SocketTimeoutException) {
                return of(ErrorCode.TIMEOUT_ERROR, "The operation did not finish in time", operation,
                        List.of("Retry later", "Ask for less data"), correlationId);
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException) {
                return of(ErrorCode.CONNECTION_ERROR, "The system could not be reached", operation,
                        List.of("Check the system's connection settings", "Check /observe/health"), correlationId);
            }
            if (t instanceof RejectedExecutionException
                    || (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("Queue full"))) {
                return of(ErrorCode.QUEUE_FULL, "The system's queue is full", operation,
                        List.of("Retry shortly"), correlationId);
            }
        }
        return of(ErrorCode.INTERNAL_ERROR, "Internal error (reference " + correlationId + ")", operation,
                List.of("Retry; if it persists, report the reference to the operator"), correlationId);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        m.put("error_code", code.code());
        m.put("operation", operation);
        m.put("suggestions", suggestions);
        if (!details.isEmpty()) {
            m.put("details", details);
        }
        m.put("correlation_id", correlationId);
        return m;
    }
}
