package io.switchboard.xmpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The XMPP account and the bridge's limits, from switchboard.xmpp.* (environment first). No JID
 * means the bridge is off: its tools say so instead of pretending to send.
 */
public record XmppSettings(
        String jid,
        String password,
        String host,
        int port,
        Security security,
        String trustStore,
        String trustStorePassword,
        String resource,
        Set<String> allowedSenders,
        int inboundQueueSize,
        int priorityReserve,
        int perSenderRate,
        int outboundQueueSize,
        int sendRatePerSecond,
        int maxBodyChars,
        Duration connectTimeout,
        Duration backoffInitial,
        Duration backoffMax,
        boolean streamManagement) {

    /** TLS is required unless the operator turns it off explicitly (a test server, a loopback link). */
    public enum Security { REQUIRED, DISABLED }

    public boolean configured() {
        return jid != null && !jid.isBlank();
    }

    /** Reads the settings through {@code property} (Camel's property placeholders resolve env first). */
    public static XmppSettings from(Function<String, String> property) {
        String password = blankToNull(property.apply("switchboard.xmpp.password"));
        String passwordFile = blankToNull(property.apply("switchboard.xmpp.password-file"));
        if (password == null && passwordFile != null) {
            try {
                password = Files.readString(Path.of(passwordFile)).strip();
            } catch (IOException e) {
                // The path may be a secret's location: say which setting, not what it holds.
                throw new IllegalStateException("SWITCHBOARD_XMPP_PASSWORD_FILE cannot be read (" + e.getClass().getSimpleName() + ")");
            }
        }
        String security = property.apply("switchboard.xmpp.security").strip().toUpperCase(Locale.ROOT);
        Security mode;
        try {
            mode = Security.valueOf(security.isEmpty() ? "REQUIRED" : security);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("SWITCHBOARD_XMPP_SECURITY must be 'required' or 'disabled', not '" + security + "'");
        }
        String allow = property.apply("switchboard.xmpp.allowed-senders");
        Set<String> allowed = allow == null || allow.isBlank() ? Set.of()
                : Arrays.stream(allow.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                        .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        return new XmppSettings(
                blankToNull(property.apply("switchboard.xmpp.jid")),
                password,
                blankToNull(property.apply("switchboard.xmpp.host")),
                Integer.parseInt(property.apply("switchboard.xmpp.port")),
                mode,
                blankToNull(property.apply("switchboard.xmpp.trust-store")),
                blankToNull(property.apply("switchboard.xmpp.trust-store-password")),
                resource(property.apply("switchboard.xmpp.resource")),
                allowed,
                Integer.parseInt(property.apply("switchboard.xmpp.inbound-queue-size")),
                Integer.parseInt(property.apply("switchboard.xmpp.priority-reserve")),
                Integer.parseInt(property.apply("switchboard.xmpp.per-sender-rate")),
                Integer.parseInt(property.apply("switchboard.xmpp.outbound-queue-size")),
                Integer.parseInt(property.apply("switchboard.xmpp.send-rate")),
                Integer.parseInt(property.apply("switchboard.xmpp.max-body-chars")),
                Duration.parse(property.apply("switchboard.xmpp.connect-timeout")),
                Duration.parse(property.apply("switchboard.xmpp.backoff-initial")),
                Duration.parse(property.apply("switchboard.xmpp.backoff-max")),
                Boolean.parseBoolean(property.apply("switchboard.xmpp.stream-management")));
    }

    /**
     * A resource of its own per process unless one is set: two instances on one account with the
     * same resource would throw each other off the server in turn.
     */
    private static String resource(String configured) {
        return configured == null || configured.isBlank()
                ? "switchboard-" + java.util.UUID.randomUUID().toString().substring(0, 8) : configured.strip();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public String toString() {
        // Never the password, not even in a debug log of this record.
        return "XmppSettings[jid=" + jid + ", host=" + host + ", port=" + port + ", security=" + security + "]";
    }
}
