package io.switchboard.bindery;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.guard.ToolException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON text columns (tags, labels) and bodies, through the one ObjectMapper. */
final class Json {

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };
    private static final TypeReference<List<Object>> LIST = new TypeReference<>() {
    };

    private final ObjectMapper mapper;

    Json(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException("Not serialisable as JSON: " + e.getMessage(), e);
        }
    }

    /** A request body that must be a JSON object; an empty body is an empty object. */
    Map<String, Object> object(String text) {
        if (text == null || text.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return mapper.readValue(text, MAP);
        } catch (Exception e) {
            throw ToolException.validation("The body is not a JSON object");
        }
    }

    Object any(String text) {
        try {
            return mapper.readValue(text, Object.class);
        } catch (Exception e) {
            throw ToolException.validation("The body is not JSON");
        }
    }

    /** A stored list column; tolerant of what another writer may have left. */
    List<Object> list(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        try {
            return mapper.readValue(text, LIST);
        } catch (Exception e) {
            return List.of(text);
        }
    }

    Map<String, Object> map(String text) {
        if (text == null || text.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return mapper.readValue(text, MAP);
        } catch (Exception e) {
            return new LinkedHashMap<>();
        }
    }
}
