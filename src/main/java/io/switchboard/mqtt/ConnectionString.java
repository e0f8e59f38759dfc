package io.switchboard.mqtt;

import io.switchboard.guard.ToolException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * {@code mqtt[s]://[user:pass@]host:port[/client_id]} as mqtt_establish_connection takes it. The
 * password lives only here, in memory; {@link #toString()} never shows it.
 */
public record ConnectionString(boolean tls, String host, int port, String username, char[] password, String clientId) {

    public static ConnectionString parse(String text) {
        if (text == null || text.isBlank()) {
            throw ToolException.validation("connection_string is required", "Use mqtt://host:1883 or mqtts://user:pass@host:8883/client-id");
        }
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (Exception e) {
            // The message of a URISyntaxException quotes the input, password included: never pass it on.
            throw ToolException.validation("connection_string is not a valid URI", "Use mqtt[s]://[user:pass@]host:port[/client_id]");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
        if (!scheme.equals("mqtt") && !scheme.equals("mqtts")) {
            throw ToolException.validation("connection_string must start with mqtt:// or mqtts://", "Use mqtt[s]://[user:pass@]host:port[/client_id]");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw ToolException.validation("connection_string has no host", "Use mqtt[s]://[user:pass@]host:port[/client_id]");
        }
        boolean tls = scheme.equals("mqtts");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
        String user = null;
        char[] pass = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            pass = colon < 0 ? null : decode(info.substring(colon + 1)).toCharArray();
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        String clientId = path.isBlank() ? "switchboard-" + UUID.randomUUID().toString().substring(0, 8) : path;
        if (clientId.length() > 128 || clientId.contains("/")) {
            throw ToolException.validation("client_id must be at most 128 characters without '/'");
        }
        return new ConnectionString(tls, uri.getHost(), port, user, pass, clientId);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The same connection to {@code canonicalHost}: the address the allow-list checked is the one used. */
    public ConnectionString at(String canonicalHost) {
        return new ConnectionString(tls, canonicalHost, port, username, password, clientId);
    }

    /** The Paho server URI: tcp:// or ssl://, never with credentials. */
    public String serverUri() {
        return (tls ? "ssl://" : "tcp://") + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    public boolean hasCredentials() {
        return username != null;
    }

    @Override
    public String toString() {
        return (tls ? "mqtts://" : "mqtt://") + (username != null ? "***@" : "") + host + ":" + port + "/" + clientId;
    }
}
