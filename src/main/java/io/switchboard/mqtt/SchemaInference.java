package io.switchboard.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A JSON Schema (draft 2020-12) that every sampled payload meets: types per field, the fields
 * present in every sample as required, numeric ranges and string lengths; and per-field
 * statistics (presence, types, min/max/mean, a few distinct values).
 */
final class SchemaInference {

    private SchemaInference() {
    }

    static Map<String, Object> schema(List<JsonNode> samples) {
        Map<String, Object> s = infer(samples);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        out.putAll(s);
        return out;
    }

    private static Map<String, Object> infer(List<JsonNode> values) {
        Set<String> types = new LinkedHashSet<>();
        List<JsonNode> objects = new ArrayList<>();
        List<JsonNode> items = new ArrayList<>();
        Double min = null;
        Double max = null;
        Integer minLen = null;
        Integer maxLen = null;
        for (JsonNode v : values) {
            String t = typeOf(v);
            types.add(t);
            if (v.isNumber()) {
                double d = v.asDouble();
                min = min == null ? d : Math.min(min, d);
                max = max == null ? d : Math.max(max, d);
            } else if (v.isTextual()) {
                int len = v.asText().length();
                minLen = minLen == null ? len : Math.min(minLen, len);
                maxLen = maxLen == null ? len : Math.max(maxLen, len);
            } else if (v.isObject()) {
                objects.add(v);
            } else if (v.isArray()) {
                v.forEach(items::add);
            }
        }
        // An integer field that also held a fraction is a number.
        if (types.contains("number")) {
            types.remove("integer");
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", types.size() == 1 ? types.iterator().next() : new ArrayList<>(types));
        if (min != null) {
            s.put("minimum", asNumber(min));
            s.put("maximum", asNumber(max));
        }
        if (minLen != null) {
            s.put("minLength", minLen);
            s.put("maxLength", maxLen);
        }
        if (!objects.isEmpty()) {
            Map<String, List<JsonNode>> byField = new LinkedHashMap<>();
            for (JsonNode o : objects) {
                o.fields().forEachRemaining(e -> byField.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
            }
            Map<String, Object> props = new LinkedHashMap<>();
            List<String> required = new ArrayList<>();
            byField.forEach((field, vals) -> {
                props.put(field, infer(vals));
                if (vals.size() == objects.size()) {
                    required.add(field);
                }
            });
            s.put("properties", props);
            s.put("required", required);
        }
        if (!items.isEmpty()) {
            s.put("items", infer(items));
        }
        return s;
    }

    /** Per-field statistics keyed by path ($.a.b, $.list[]). */
    static Map<String, Object> fieldStats(List<JsonNode> samples) {
        Map<String, Stat> stats = new TreeMap<>();
        for (JsonNode sample : samples) {
            walk("$", sample, stats);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        stats.forEach((path, st) -> out.put(path, st.toMap(samples.size())));
        return out;
    }

    private static void walk(String path, JsonNode v, Map<String, Stat> stats) {
        if (v.isObject()) {
            v.fields().forEachRemaining(e -> {
                String p = path + "." + e.getKey();
                stats.computeIfAbsent(p, k -> new Stat()).add(e.getValue());
                walk(p, e.getValue(), stats);
            });
        } else if (v.isArray()) {
            String p = path + "[]";
            for (JsonNode item : v) {
                stats.computeIfAbsent(p, k -> new Stat()).add(item);
                walk(p, item, stats);
            }
        }
    }

    private static final class Stat {
        int count;
        final Set<String> types = new LinkedHashSet<>();
        Double min;
        Double max;
        double sum;
        int numbers;
        final Set<String> distinct = new LinkedHashSet<>();
        boolean moreDistinct;

        void add(JsonNode v) {
            count++;
            types.add(typeOf(v));
            if (v.isNumber()) {
                double d = v.asDouble();
                min = min == null ? d : Math.min(min, d);
                max = max == null ? d : Math.max(max, d);
                sum += d;
                numbers++;
            } else if (v.isTextual() || v.isBoolean()) {
                if (distinct.size() < 10) {
                    distinct.add(v.asText());
                } else if (!distinct.contains(v.asText())) {
                    moreDistinct = true;
                }
            }
        }

        Map<String, Object> toMap(int samples) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", count);
            m.put("presence", samples == 0 ? 0 : Math.min(1.0, Math.round(1000.0 * count / samples) / 1000.0));
            m.put("types", new ArrayList<>(types));
            if (numbers > 0) {
                m.put("min", asNumber(min));
                m.put("max", asNumber(max));
                m.put("mean", Math.round(sum / numbers * 1000.0) / 1000.0);
            }
            if (!distinct.isEmpty()) {
                m.put("distinct_values", new ArrayList<>(distinct));
                m.put("distinct_values_truncated", moreDistinct);
            }
            return m;
        }
    }

    static String typeOf(JsonNode v) {
        if (v.isNull()) {
            return "null";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isTextual()) {
            return "string";
        }
        return v.isArray() ? "array" : "object";
    }

    private static Object asNumber(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
    }
}
