package io.switchboard.mcp;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Where the gateway tests' own YAML tools live once Maven copied them. */
final class TestRoutes {

    private TestRoutes() {
    }

    static String dir() {
        try {
            return Path.of(TestRoutes.class.getResource("/gateway-routes").toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
