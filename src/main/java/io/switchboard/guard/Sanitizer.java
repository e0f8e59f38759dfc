package io.switchboard.guard;

import java.util.regex.Pattern;

/**
 * Strips what must never reach a client from a message meant for one: file paths, credentials in
 * URLs, bearer tokens and secrets, internal addresses and ports, Java class names of stack frames.
 */
public final class Sanitizer {

    private static final Pattern URL_CREDENTIALS = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s:]+:[^/@\\s]+@");
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)\\b(password|passwd|pwd|secret|token|api[_-]?key|authorization|bearer)\\b(\\s*[:=]\\s*|\\s+)[^\\s,;&\"']+");
    private static final Pattern UNIX_PATH = Pattern.compile("(?<![\\w:/])(/[\\w.@+-]+){2,}/?");
    private static final Pattern WINDOWS_PATH = Pattern.compile("(?i)\\b[a-z]:\\\\[^\\s\"']+");
    private static final Pattern IPV4_WITH_PORT = Pattern.compile("\\b\\d{1,3}(\\.\\d{1,3}){3}(:\\d{1,5})?\\b");
    private static final Pattern HOST_PORT = Pattern.compile("\\b([a-z0-9-]+\\.)*[a-z0-9-]+:\\d{2,5}\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern STACK_FRAME = Pattern.compile("\\bat [\\w.$]+\\([^)]*\\)");
    private static final int MAX_LENGTH = 500;

    private Sanitizer() {
    }

    public static String clean(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String s = message;
        s = STACK_FRAME.matcher(s).replaceAll("");
        s = URL_CREDENTIALS.matcher(s).replaceAll("$1[redacted]@");
        s = SECRET_ASSIGNMENT.matcher(s).replaceAll("$1$2[redacted]");
        s = WINDOWS_PATH.matcher(s).replaceAll("[path]");
        s = UNIX_PATH.matcher(s).replaceAll("[path]");
        s = IPV4_WITH_PORT.matcher(s).replaceAll("[address]");
        s = HOST_PORT.matcher(s).replaceAll("[address]");
        s = s.strip();
        return s.length() > MAX_LENGTH ? s.substring(0, MAX_LENGTH) + "…" : s;
    }
}
