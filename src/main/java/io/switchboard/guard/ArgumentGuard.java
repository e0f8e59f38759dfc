package io.switchboard.guard;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Structural limits on tool arguments (seed 001): nesting depth, string length, array length,
 * keys per object, and keys that are prototype-pollution or framework-internal vectors.
 * Checked before schema validation so a hostile document is refused without being walked twice.
 */
public final class ArgumentGuard {

    private final int maxDepth;
    private final int maxStringLength;
    private final int maxArrayLength;
    private final int maxObjectKeys;

    public ArgumentGuard(int maxDepth, int maxStringLength, int maxArrayLength, int maxObjectKeys) {
        this.maxDepth = maxDepth;
        this.maxStringLength = maxStringLength;
        this.maxArrayLength = maxArrayLength;
        this.maxObjectKeys = maxObjectKeys;
    }

    /** The same limits with another string length (a tool's declaration may raise it for itself). */
    public ArgumentGuard withMaxStringLength(int length) {
        return new ArgumentGuard(maxDepth, length, maxArrayLength, maxObjectKeys);
    }

    /** The first violation found, as a client-facing message naming the argument path. */
    public Optional<String> check(Map<String, Object> arguments) {
        return checkValue(arguments, "$", 1);
    }

    public static boolean isDangerousKey(String key) {
        return key.startsWith("__") || key.equals("constructor") || key.equals("prototype");
    }

    private Optional<String> checkValue(Object value, String path, int depth) {
        if (value instanceof Map<?, ?> map) {
            if (depth > maxDepth) {
                return Optional.of(path + " nests deeper than " + maxDepth + " levels");
            }
            if (map.size() > maxObjectKeys) {
                return Optional.of(path + " has " + map.size() + " keys; at most " + maxObjectKeys + " are allowed");
            }
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (isDangerousKey(key)) {
                    return Optional.of(path + " has the forbidden key '" + key + "'");
                }
                if (key.length() > maxStringLength) {
                    return Optional.of(path + " has a key longer than " + maxStringLength + " characters");
                }
                Optional<String> nested = checkValue(e.getValue(), path + "." + key, depth + 1);
                if (nested.isPresent()) {
                    return nested;
                }
            }
        } else if (value instanceof List<?> list) {
            if (depth > maxDepth) {
                return Optional.of(path + " nests deeper than " + maxDepth + " levels");
            }
            if (list.size() > maxArrayLength) {
                return Optional.of(path + " has " + list.size() + " items; at most " + maxArrayLength + " are allowed");
            }
            for (int i = 0; i < list.size(); i++) {
                Optional<String> nested = checkValue(list.get(i), path + "[" + i + "]", depth + 1);
                if (nested.isPresent()) {
                    return nested;
                }
            }
        } else if (value instanceof CharSequence s && s.length() > maxStringLength) {
            return Optional.of(path + " is " + s.length() + " characters long; at most " + maxStringLength + " are allowed");
        }
        return Optional.empty();
    }
}
