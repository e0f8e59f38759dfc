package io.switchboard.bindery;

import io.switchboard.guard.ToolException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The roles tasks can be given, with what each can do: the packaged bindery/roles.yaml, or an
 * operator's file of the same shape. Read once at start; a broken file stops the start with its reason.
 */
public final class BinderyRoles {

    public record Role(String name, String description, List<String> capabilities) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("description", description);
            m.put("capabilities", capabilities);
            return m;
        }
    }

    private final Map<String, Role> roles;

    private BinderyRoles(Map<String, Role> roles) {
        this.roles = roles;
    }

    /** The operator's file when one is named, else the packaged defaults. */
    public static BinderyRoles load(String file) {
        try (InputStream in = file == null || file.isBlank()
                ? BinderyRoles.class.getResourceAsStream("/bindery/roles.yaml")
                : Files.newInputStream(Path.of(file))) {
            Object yaml = new Load(LoadSettings.builder().build()).loadFromInputStream(in);
            return new BinderyRoles(parse(yaml));
        } catch (Exception e) {
            throw new IllegalStateException("Bindery roles " + (file == null || file.isBlank() ? "(packaged)" : file)
                    + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static Map<String, Role> parse(Object yaml) {
        if (!(yaml instanceof Map<?, ?> root) || !(root.get("roles") instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("expected 'roles:' with a list of {name, description, capabilities}");
        }
        Map<String, Role> roles = new LinkedHashMap<>();
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || name.isBlank()) {
                throw new IllegalArgumentException("every role needs a name");
            }
            List<String> capabilities = new ArrayList<>();
            if (m.get("capabilities") instanceof List<?> caps) {
                caps.forEach(c -> capabilities.add(String.valueOf(c)));
            }
            roles.put(name, new Role(name, m.get("description") == null ? "" : String.valueOf(m.get("description")),
                    List.copyOf(capabilities)));
        }
        return roles;
    }

    /** GET /api/roles: {success, roles[], total_roles}. */
    public Map<String, Object> list() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("success", true);
        result.put("roles", roles.values().stream().map(Role::toMap).toList());
        result.put("total_roles", roles.size());
        return result;
    }

    /** The role's name, when it is one of the configured roles. */
    public String require(Object value, String path) {
        String name = TaskFields.requiredText(value, path);
        if (!roles.containsKey(name)) {
            throw ToolException.validation(path + " names no known role; roles: " + roles.keySet(),
                    "Call list_roles for the roles and their capabilities");
        }
        return name;
    }
}
