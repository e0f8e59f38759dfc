package io.switchboard.mattermost;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.HttpHeaders;

/**
 * Puts the bot token on every request of the Mattermost HTTP client. The token lives only here,
 * never in an exchange header, an endpoint URI or a log line.
 */
public final class BearerToken implements HttpClientConfigurer {

    private final String token;

    public BearerToken(String token) {
        this.token = token;
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        // Retries are the route's (counted, backed off, seen by the breaker), not the client's own.
        builder.disableAutomaticRetries();
        builder.addRequestInterceptorFirst((request, entity, context) -> {
            if (token != null) {
                request.setHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
            }
        });
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}
