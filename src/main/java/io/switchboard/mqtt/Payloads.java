package io.switchboard.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** How a received payload is shown to a client: its type (json/text/number/binary), parsed and raw. */
final class Payloads {

    /** Raw text beyond this is cut (the result goes to an LLM; 50 messages of 1 MB would not). */
    static final int RAW_LIMIT = 4096;
    private static final Pattern ERROR_WORDS = Pattern.compile(
            "\\b(error|errors|err|exception|fail|failed|failure|fault|faulted|critical|fatal|alarm|panic)\\b");

    private final ObjectMapper mapper;

    Payloads(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The payload as text, or null when it is not valid UTF-8 (then it is binary). */
    static String text(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The payload parsed as JSON (object or array), or null. */
    JsonNode json(byte[] payload) {
        String t = text(payload);
        if (t == null) {
            return null;
        }
        String s = t.trim();
        if (!(s.startsWith("{") || s.startsWith("["))) {
            return null;
        }
        try {
            return mapper.readTree(s);
        } catch (Exception e) {
            return null;
        }
    }

    String type(byte[] payload) {
        String t = text(payload);
        if (t == null || (t.indexOf('\u0000') >= 0)) {
            return "binary";
        }
        String s = t.trim();
        if (isNumber(s)) {
            return "number";
        }
        return json(payload) != null ? "json" : "text";
    }

    static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 40) {
            return false;
        }
        try {
            Double.parseDouble(s);
            return !s.endsWith("d") && !s.endsWith("f") && !s.endsWith("D") && !s.endsWith("F") && !s.contains("N") && !s.contains("I");
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** One message as mqtt_subscribe_and_collect returns it. */
    Map<String, Object> describe(Received r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", r.topic());
        String type = type(r.payload());
        String text = text(r.payload());
        Object payload;
        switch (type) {
            case "json" -> payload = r.payload().length <= 65_536 ? mapper.convertValue(json(r.payload()), Object.class) : cut(text);
            case "number" -> payload = number(text.trim());
            case "binary" -> payload = null;
            default -> payload = cut(text);
        }
        m.put("payload", payload);
        String raw = "binary".equals(type) ? Base64.getEncoder().encodeToString(
                r.payload().length > RAW_LIMIT ? java.util.Arrays.copyOf(r.payload(), RAW_LIMIT) : r.payload()) : cut(text);
        m.put("payload_raw", raw);
        if (r.payload().length > RAW_LIMIT) {
            m.put("payload_truncated", true);
        }
        m.put("payload_type", type);
        m.put("payload_size_bytes", r.payload().length);
        m.put("qos", r.qos());
        m.put("retain", r.retain());
        m.put("timestamp", Instant.ofEpochMilli(r.receivedAtMillis()).toString());
        m.put("user_properties", r.userProperties());
        if (r.responseTopic() != null) {
            m.put("response_topic", r.responseTopic());
        }
        if (r.correlationData() != null) {
            String c = text(r.correlationData());
            m.put("correlation_data", c != null ? c : Base64.getEncoder().encodeToString(r.correlationData()));
        }
        if (r.contentType() != null) {
            m.put("content_type", r.contentType());
        }
        if (looksLikeError(r)) {
            m.put("looks_like_error", true);
        }
        return m;
    }

    private static Object number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Double.parseDouble(s);
        }
    }

    private static String cut(String s) {
        return s == null || s.length() <= RAW_LIMIT ? s : s.substring(0, RAW_LIMIT);
    }

    /** Errors, failures and alarms, by topic or by the payload's first 2 KB of text. */
    static boolean looksLikeError(Received r) {
        if (ERROR_WORDS.matcher(r.topic().toLowerCase(Locale.ROOT).replace('/', ' ').replace('_', ' ')).find()) {
            return true;
        }
        String t = text(r.payload().length > 2048 ? java.util.Arrays.copyOf(r.payload(), 2048) : r.payload());
        return t != null && ERROR_WORDS.matcher(t.toLowerCase(Locale.ROOT).replace('_', ' ')).find();
    }
}
