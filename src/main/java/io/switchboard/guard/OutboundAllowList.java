package io.switchboard.guard;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The hosts and ports a system may open connections to on a client's behalf, so that a client
 * cannot make Switchboard reach what only Switchboard can reach (server-side request forgery).
 * Entries are {@code host:port}; {@code *} stands for any run of characters in the host
 * ({@code *.example.org}) or for any port ({@code broker.example.org:*}); IPv6 hosts go in
 * brackets. An empty list allows everything (one user on loopback); anything reachable by others
 * should list its brokers.
 *
 * <p>A requested IP address is compared in its one canonical form, whatever form the client
 * wrote it in ({@code 127.1}, {@code [::ffff:127.0.0.1]}, {@code 2130706433}), and the caller
 * connects to that canonical form, so the address checked is the address used.
 */
public final class OutboundAllowList {

    private static final Pattern NUMERIC_HOST = Pattern.compile("(?i)[0-9.]+|\\[?[0-9a-f:.]*:[0-9a-f:.]*]?");

    private record Entry(Pattern host, String port) {
    }

    private final String variable;
    private final List<Entry> entries = new ArrayList<>();

    /** {@code spec}: comma-separated entries; {@code variable}: where the operator sets it, for error messages. */
    public OutboundAllowList(String spec, String variable) {
        this.variable = variable;
        if (spec == null) {
            return;
        }
        for (String raw : spec.split(",")) {
            String e = raw.strip().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.lastIndexOf(':');
            if (colon <= 0 || colon == e.length() - 1 || e.endsWith("]")) {
                throw new IllegalArgumentException(variable + ": '" + raw.strip() + "' is not host:port (use * for any port)");
            }
            String host = canonical(e.substring(0, colon));
            String port = e.substring(colon + 1);
            if (!port.equals("*") && !port.matches("\\d{1,5}")) {
                throw new IllegalArgumentException(variable + ": '" + raw.strip() + "' has no valid port");
            }
            entries.add(new Entry(Pattern.compile(Pattern.quote(host).replace("*", "\\E.*\\Q")), port));
        }
    }

    public boolean restricts() {
        return !entries.isEmpty();
    }

    /**
     * The host to connect to (canonical for an IP address), or {@link ToolException} with
     * {@code permission_denied} before any connection is attempted.
     */
    public String check(String host, int port) {
        String canonical;
        try {
            canonical = canonical(host);
        } catch (IllegalArgumentException e) {
            throw new ToolException(ErrorCode.VALIDATION_ERROR, "The host is not a valid address", List.of("Use a host name or an IP address"));
        }
        if (entries.isEmpty()) {
            return canonical;
        }
        String p = Integer.toString(port);
        for (Entry entry : entries) {
            if (entry.host().matcher(canonical).matches() && (entry.port().equals("*") || entry.port().equals(p))) {
                return canonical;
            }
        }
        throw new ToolException(ErrorCode.PERMISSION_DENIED,
                "This host and port are not in the list of allowed destinations (" + variable + ")",
                List.of("Ask the operator to add the broker's host:port to " + variable));
    }

    /** Lower case without a trailing dot; an IP address in its standard textual form (no DNS lookup). */
    static String canonical(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (h.contains("*") || !NUMERIC_HOST.matcher(h).matches()) {
            return h;
        }
        String literal = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        try {
            // Only digits, dots, hex and colons reach here: the JDK parses them as a literal.
            InetAddress address = InetAddress.getByName(literal);
            String text = address.getHostAddress();
            return address instanceof java.net.Inet6Address ? "[" + text + "]" : text;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an address");
        }
    }
}
