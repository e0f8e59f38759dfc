package io.switchboard.bindery;

import java.net.ConnectException;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * When the bindery-http route may send a failed request again. A read, an update (PUT) or a
 * delete gives the same result however often it arrives, so any 5xx or timeout is retried. A POST
 * (create a task or project, index a document) that timed out or failed with 5xx may already have
 * been saved by the backend, and sending it again would save it twice: it is retried only when
 * the connection was refused, that is when nothing reached the backend.
 *
 * <p>A retryWhile rule replaces the redelivery policy's count in Camel, so it keeps the count too.
 */
public final class SafeToRetry implements Predicate {

    private final int maxRedeliveries;

    public SafeToRetry(int maxRedeliveries) {
        this.maxRedeliveries = maxRedeliveries;
    }

    @Override
    public boolean matches(Exchange exchange) {
        // Camel has counted the failure that asks, so the first asks with 1.
        if (exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class) > maxRedeliveries) {
            return false;
        }
        String method = exchange.getMessage().getHeader(Exchange.HTTP_METHOD, String.class);
        if (!"POST".equalsIgnoreCase(method)) {
            return true;
        }
        Throwable cause = exchange.getException();
        while (cause != null) {
            if (cause instanceof ConnectException) {
                return true;
            }
            cause = cause.getCause();
        }
        return false;
    }
}
