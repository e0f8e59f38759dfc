package io.switchboard.testing;

import java.util.HashMap;
import java.util.Map;

/** How a test reaches a fresh database of its own: the JDBC URL (no credentials in it) and the login. */
public record DatabaseLogin(String url, String user, String password) {

    /** The overrides that point Switchboard at this database, as an operator's environment would. */
    public Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("switchboard.db.url", url);
        settings.put("switchboard.db.user", user);
        settings.put("switchboard.db.password", password);
        return settings;
    }

    /** One string for callers that pass only a URL (the password then travels in it). */
    public String urlWithCredentials() {
        if (user.isEmpty()) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + "user=" + user + "&password=" + password;
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "DatabaseLogin[url=" + url + ", user=" + user + "]";
    }
}
