package io.switchboard.broker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.switchboard.guard.ErrorCode;
import io.switchboard.guard.ToolException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.semver4j.Semver;

/**
 * The protocols agents agree on: name, semantic version, the JSON Schema every payload must meet,
 * and the delivery patterns it allows. Rows live in broker_protocols (written by the broker
 * routes), the truth every instance shares; this keeps them compiled in memory so a send
 * validates without touching the database. A stored protocol never changes (name and version are
 * its key, a change is a new version), so a compiled copy cannot go stale: what another instance
 * registered is simply missing here, and a miss reads the table again before it answers.
 */
public final class ProtocolRegistry {

    private static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_]*[a-z0-9]$");
    private static final Pattern VERSION = Pattern.compile("^\\d+\\.\\d+\\.\\d+$");
    static final Set<String> CAPABILITIES = Set.of("point_to_point", "broadcast", "request_response", "streaming");
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final TypeReference<List<String>> LIST = new TypeReference<>() {
    };

    private final ObjectMapper mapper;
    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(Dialects.getDraft202012());
    private final Schema metaSchema = schemas.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    private final Map<String, Protocol> protocols = new ConcurrentHashMap<>();
    private final Supplier<List<Map<String, Object>>> stored;

    /** @param stored reads every broker_protocols row (a route) */
    public ProtocolRegistry(ObjectMapper mapper, Supplier<List<Map<String, Object>>> stored) {
        this.mapper = mapper;
        this.stored = stored;
    }

    /** Checks a broker_register_protocol call; answers the broker_protocols row to insert. */
    public Map<String, Object> registration(Map<String, Object> args) {
        String name = string(args.get("name"));
        String version = string(args.get("version"));
        if (name == null || !NAME.matcher(name).matches()) {
            throw ToolException.validation("name must match " + NAME.pattern(), "Use lower case letters, digits and _ (e.g. chat_message)");
        }
        if (version == null || !VERSION.matcher(version).matches()) {
            throw ToolException.validation("version must be MAJOR.MINOR.PATCH", "For example 1.0.0");
        }
        if (!(args.get("schema") instanceof Map<?, ?> schema)) {
            throw ToolException.validation("schema is required and must be a JSON Schema object");
        }
        List<String> capabilities = args.get("capabilities") == null ? List.of("point_to_point")
                : mapper.convertValue(args.get("capabilities"), LIST);
        for (String c : capabilities) {
            if (!CAPABILITIES.contains(c)) {
                throw ToolException.validation("unknown capability '" + c + "'", "Use any of " + CAPABILITIES);
            }
        }
        Protocol existing = protocols.get(Protocol.key(name, version));
        if (existing != null) {
            throw duplicate(name, version);
        }
        checkSchema(mapper.valueToTree(schema));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", name);
        row.put("version", version);
        row.put("schema_json", write(schema));
        row.put("capabilities", write(capabilities));
        row.put("metadata", args.get("metadata") == null ? null : write(args.get("metadata")));
        row.put("registered_at", System.currentTimeMillis());
        return row;
    }

    /** After the row is stored: the protocol becomes usable, and the tool's answer. */
    public Map<String, Object> registered(Map<String, Object> row) {
        Protocol p = fromRow(row);
        protocols.put(p.key(), p);
        return Map.of("success", true, "protocol", Map.of("name", p.name(), "version", p.version().getVersion(),
                "registered_at", Instant.ofEpochMilli(p.registeredAt()).toString()));
    }

    public ToolException duplicate(String name, String version) {
        Semver next = new Semver(version).nextPatch();
        return new ToolException(ErrorCode.VALIDATION_ERROR, "Protocol " + name + " " + version + " is already registered",
                List.of("Register a new version instead, e.g. " + next.getVersion(),
                        "Use broker_discover_protocols to see what is registered"));
    }

    /** Replaces what is known with the rows of broker_protocols (at start, or after a miss). */
    public void load(List<Map<String, Object>> rows) {
        Map<String, Protocol> fresh = new ConcurrentHashMap<>();
        for (Map<String, Object> raw : rows) {
            Map<String, Object> row = lowerKeys(raw);
            String key = Protocol.key(String.valueOf(row.get("name")), String.valueOf(row.get("version")));
            // Compiled once per instance: a stored protocol is immutable.
            Protocol known = protocols.get(key);
            fresh.put(key, known != null ? known : fromRow(row));
        }
        protocols.keySet().retainAll(fresh.keySet());
        protocols.putAll(fresh);
    }

    public Protocol find(String name, String version) {
        return protocols.get(Protocol.key(name, version));
    }

    /** Every registered version of {@code name}, newest first. */
    public List<Protocol> versions(String name) {
        return protocols.values().stream().filter(p -> p.name().equals(name))
                .sorted(Comparator.comparing(Protocol::version).reversed()).toList();
    }

    /** Known here, or registered on another instance since this one last read the table; null if neither. */
    public Protocol findStored(String name, String version) {
        Protocol p = find(name, version);
        if (p == null && name != null && version != null) {
            load(stored.get());
            p = find(name, version);
        }
        return p;
    }

    public Protocol require(String name, String version) {
        Protocol p = findStored(name, version);
        if (p == null) {
            List<String> known = versions(name).stream().map(v -> v.version().getVersion()).toList();
            throw new ToolException(ErrorCode.NOT_FOUND, "Protocol " + name + " " + version + " is not registered",
                    known.isEmpty() ? List.of("Register it with broker_register_protocol")
                            : List.of("Registered versions: " + String.join(", ", known)));
        }
        return p;
    }

    /** Refuses a payload that does not meet the protocol's schema, naming the failing path. */
    public void validatePayload(Protocol protocol, Object payload) {
        JsonNode node = mapper.valueToTree(payload);
        List<Error> errors = protocol.compiledSchema().validate(node);
        if (!errors.isEmpty()) {
            Error first = errors.get(0);
            String path = first.getInstanceLocation() == null ? "$" : first.getInstanceLocation().toString();
            throw new ToolException(ErrorCode.VALIDATION_ERROR,
                    "Payload does not match " + protocol.name() + " " + protocol.version().getVersion() + ": " + first.getMessage(),
                    List.of("Fix the payload at " + path), Map.of("path", path,
                    "constraint", first.getKeyword() == null ? "" : first.getKeyword(), "errors", errors.size()));
        }
    }

    /** broker_discover_protocols: filters by name, semver range (">=1.0.0,<2.0.0") and tags. */
    public Map<String, Object> discover(Map<String, Object> args) {
        String name = string(args.get("name"));
        String range = string(args.get("version_range"));
        List<String> tags = args.get("tags") == null ? List.of() : mapper.convertValue(args.get("tags"), LIST);
        String semverRange = range == null ? null : range.replace(",", " ").trim();
        if (semverRange != null && !semverRange.isEmpty()) {
            try {
                new Semver("0.0.0").satisfies(semverRange);
            } catch (RuntimeException e) {
                throw ToolException.validation("version_range is not a semantic version range", "For example >=1.0.0,<2.0.0");
            }
        }
        List<Map<String, Object>> found = new ArrayList<>();
        protocols.values().stream()
                .filter(p -> name == null || p.name().equals(name))
                .filter(p -> semverRange == null || semverRange.isEmpty() || p.version().satisfies(semverRange))
                .filter(p -> p.tags().containsAll(tags))
                .sorted(Comparator.comparing(Protocol::name).thenComparing(Protocol::version, Comparator.reverseOrder()))
                .forEach(p -> found.add(describe(p)));
        return Map.of("protocols", found, "count", found.size());
    }

    public Map<String, Object> describe(Protocol p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("version", p.version().getVersion());
        m.put("capabilities", p.capabilities());
        m.put("schema", p.schema());
        m.put("metadata", p.metadata() == null ? Map.of() : p.metadata());
        m.put("registered_at", Instant.ofEpochMilli(p.registeredAt()).toString());
        return m;
    }

    private void checkSchema(JsonNode schema) {
        List<Error> errors = metaSchema.validate(schema);
        if (!errors.isEmpty()) {
            Error first = errors.get(0);
            String path = first.getInstanceLocation() == null ? "$" : first.getInstanceLocation().toString();
            throw new ToolException(ErrorCode.VALIDATION_ERROR, "schema is not a valid JSON Schema: " + first.getMessage(),
                    List.of("Check the schema against JSON Schema 2020-12"),
                    Map.of("path", path, "constraint", first.getKeyword() == null ? "" : first.getKeyword()));
        }
        try {
            schemas.getSchema(schema);
        } catch (RuntimeException e) {
            throw ToolException.validation("schema cannot be compiled: " + e.getMessage());
        }
    }

    private Protocol fromRow(Map<String, Object> row) {
        Map<String, Object> schema = read(String.valueOf(row.get("schema_json")), MAP);
        Object meta = row.get("metadata");
        return new Protocol(String.valueOf(row.get("name")), new Semver(String.valueOf(row.get("version"))), schema,
                schemas.getSchema(mapper.valueToTree(schema)), read(String.valueOf(row.get("capabilities")), LIST),
                meta == null ? null : read(String.valueOf(meta), MAP), ((Number) row.get("registered_at")).longValue());
    }

    static Map<String, Object> lowerKeys(Map<String, Object> row) {
        Map<String, Object> m = new LinkedHashMap<>();
        row.forEach((k, v) -> m.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return m;
    }

    private <T> T read(String json, TypeReference<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (Exception e) {
            throw new IllegalStateException("Stored protocol is not valid JSON", e);
        }
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (Exception e) {
            throw ToolException.validation("not serialisable as JSON");
        }
    }

    static String string(Object o) {
        return o == null ? null : o.toString();
    }
}
