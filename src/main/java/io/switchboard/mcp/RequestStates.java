package io.switchboard.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code requestState} of a multi round-trip request (2026-07-28): what the client must hand
 * back on its retry so a stateless server can continue — here the answers already collected,
 * bound to the request (method and tool/prompt name) and to an expiry. It is signed with
 * HMAC-SHA256 so a client cannot forge or alter it; it is not encrypted, and holds nothing but
 * the client's own answers. Any instance configured with the same key verifies it.
 */
final class RequestStates {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final String HMAC = "HmacSHA256";
    /** How long a client may take to answer before the state is refused. */
    private static final long LIFETIME_MS = 15 * 60 * 1000L;

    private final ObjectMapper mapper;
    private volatile byte[] key;

    RequestStates(ObjectMapper mapper) {
        this.mapper = mapper;
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.key = random;
    }

    /** A configured key lets several instances (or a restarted one) accept each other's state. */
    void useKey(String configured) {
        if (configured != null && !configured.isBlank()) {
            this.key = configured.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Signs the answers gathered so far for {@code method} on {@code name}. */
    String sign(String method, String name, Map<String, Object> answers) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("m", method);
        state.put("n", name);
        state.put("x", System.currentTimeMillis() + LIFETIME_MS);
        state.put("a", answers);
        try {
            String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(mapper.writeValueAsBytes(state));
            return payload + "." + mac(payload);
        } catch (Exception e) {
            throw new IllegalStateException("requestState could not be written", e);
        }
    }

    /**
     * The answers in a state this server signed for the same method and name and that has not
     * expired; empty when the state was altered, forged, expired or belongs to another request.
     */
    Optional<Map<String, Object>> verify(String state, String method, String name) {
        int dot = state == null ? -1 : state.lastIndexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String payload = state.substring(0, dot);
        byte[] expected = mac(payload).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, state.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        try {
            Map<String, Object> decoded = mapper.readValue(Base64.getUrlDecoder().decode(payload), MAP);
            boolean sameRequest = method.equals(decoded.get("m")) && String.valueOf(name).equals(String.valueOf(decoded.get("n")));
            boolean fresh = decoded.get("x") instanceof Number x && x.longValue() >= System.currentTimeMillis();
            if (!sameRequest || !fresh || !(decoded.get("a") instanceof Map<?, ?>)) {
                return Optional.empty();
            }
            return Optional.of(mapper.convertValue(decoded.get("a"), MAP));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private String mac(String payload) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
