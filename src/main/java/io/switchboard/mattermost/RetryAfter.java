package io.switchboard.mattermost;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Called by the error handler when a Mattermost call failed, before it picks the redelivery delay:
 * a Retry-After the server sent wins over the exponential backoff (capped by the maximum delay).
 */
public final class RetryAfter implements Processor {

    private final long maxDelayMillis;

    public RetryAfter(long maxDelayMillis) {
        this.maxDelayMillis = maxDelayMillis;
    }

    @Override
    public void process(Exchange exchange) {
        MattermostUnavailable failure = exchange.getException(MattermostUnavailable.class);
        if (failure != null && failure.retryAfterMillis() >= 0) {
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, Math.min(failure.retryAfterMillis(), maxDelayMillis));
        } else {
            exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        }
    }
}
