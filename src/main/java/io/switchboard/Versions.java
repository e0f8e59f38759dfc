package io.switchboard;

import java.util.List;

/** What this build is and which MCP protocol revisions it speaks. */
public final class Versions {

    public static final List<String> PROTOCOLS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    private Versions() {
    }

    public static String switchboard() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
