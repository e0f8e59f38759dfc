package io.switchboard.broker;

import com.networknt.schema.Schema;
import java.util.List;
import java.util.Map;
import org.semver4j.Semver;

/** A registered protocol version: its payload schema (compiled once) and what it can be used for. */
public record Protocol(String name, Semver version, Map<String, Object> schema, Schema compiledSchema,
                       List<String> capabilities, Map<String, Object> metadata, long registeredAt) {

    public String key() {
        return key(name, version.getVersion());
    }

    public static String key(String name, String version) {
        return name + "@" + version;
    }

    @SuppressWarnings("unchecked")
    public List<String> tags() {
        Object tags = metadata == null ? null : metadata.get("tags");
        return tags instanceof List<?> l ? (List<String>) l : List.of();
    }
}
