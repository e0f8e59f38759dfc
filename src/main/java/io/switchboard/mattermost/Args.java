package io.switchboard.mattermost;

import io.switchboard.guard.ToolException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Reading and checking tool arguments before anything is sent to Mattermost. */
final class Args {

    /** Mattermost ids: 26 characters, lower-case letters and digits. Anything else never reaches a URL path. */
    private static final Pattern ID = Pattern.compile("^[a-z0-9]{26}$");
    private static final Pattern EMOJI = Pattern.compile("^[a-z0-9_+\\-]{1,64}$");
    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._\\-]{0,63}$");
    static final int MAX_PER_PAGE = 200;

    private Args() {
    }

    static String string(Map<String, Object> args, String name) {
        Object v = args == null ? null : args.get(name);
        if (v == null) {
            return null;
        }
        String s = String.valueOf(v);
        return s.isBlank() ? null : s;
    }

    static String required(Map<String, Object> args, String name) {
        String s = string(args, name);
        if (s == null) {
            throw ToolException.validation(name + " is required");
        }
        return s;
    }

    static String id(Map<String, Object> args, String name) {
        return checkId(required(args, name), name);
    }

    static String optionalId(Map<String, Object> args, String name) {
        String s = string(args, name);
        return s == null ? null : checkId(s, name);
    }

    static String checkId(String value, String name) {
        if (!ID.matcher(value).matches()) {
            throw ToolException.validation(name + " must be a Mattermost id (26 lower-case letters and digits)",
                    "Look the id up with list_channels, get_channel, search_users or get_channel_history");
        }
        return value;
    }

    static String emoji(Map<String, Object> args) {
        String e = required(args, "emoji_name").strip();
        if (e.startsWith(":") && e.endsWith(":") && e.length() > 2) {
            e = e.substring(1, e.length() - 1);
        }
        if (!EMOJI.matcher(e).matches()) {
            throw ToolException.validation("emoji_name must be an emoji's name such as thumbsup (no colons needed)");
        }
        return e;
    }

    static String channelName(String value, String name) {
        if (!NAME.matcher(value).matches()) {
            throw ToolException.validation(name + " must be a channel handle: lower-case letters, digits, '.', '_' or '-', at most 64",
                    "Use display_name for the human-readable title");
        }
        return value;
    }

    static int integer(Map<String, Object> args, String name, int fallback, int min, int max) {
        Object v = args == null ? null : args.get(name);
        if (v == null || (v instanceof String s && s.isBlank())) {
            return fallback;
        }
        long n;
        if (v instanceof Number num) {
            n = num.longValue();
        } else {
            try {
                n = Long.parseLong(String.valueOf(v).strip());
            } catch (NumberFormatException e) {
                throw ToolException.validation(name + " must be a whole number");
            }
        }
        if (n < min || n > max) {
            throw ToolException.validation(name + " must be between " + min + " and " + max);
        }
        return (int) n;
    }

    static int page(Map<String, Object> args) {
        return integer(args, "page", 0, 0, 100_000);
    }

    static int perPage(Map<String, Object> args, int fallback) {
        return integer(args, "per_page", fallback, 1, MAX_PER_PAGE);
    }

    static boolean bool(Map<String, Object> args, String name, boolean fallback) {
        Object v = args == null ? null : args.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).strip().toLowerCase();
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw ToolException.validation(name + " must be true or false");
    }

    /** An ISO-8601 instant or epoch milliseconds, as milliseconds; null when absent. */
    static Long time(Map<String, Object> args, String name) {
        Object v = args == null ? null : args.get(name);
        if (v == null || String.valueOf(v).isBlank()) {
            return null;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        String s = String.valueOf(v).strip();
        if (s.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(s);
        }
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ToolException.validation(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }

    /** A list of ids (file_ids): an array, or one id. */
    static List<String> ids(Map<String, Object> args, String name, int max) {
        Object v = args == null ? null : args.get(name);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof List<?> list) {
            for (Object o : list) {
                out.add(checkId(String.valueOf(o), name));
            }
        } else {
            out.add(checkId(String.valueOf(v), name));
        }
        if (out.size() > max) {
            throw ToolException.validation(name + " takes at most " + max + " ids");
        }
        return out;
    }

    /** Post text: required, not blank, within Mattermost's limit. */
    static String message(Map<String, Object> args, String name) {
        String m = required(args, name);
        if (m.length() > 16383) {
            throw ToolException.validation(name + " is longer than Mattermost's 16,383 characters");
        }
        return m;
    }
}
