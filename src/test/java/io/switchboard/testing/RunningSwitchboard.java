package io.switchboard.testing;

import io.switchboard.Switchboard;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.awaitility.Awaitility;

/**
 * Switchboard started in this JVM the way the jar starts it (same Main, same properties), on a
 * free loopback port with a fresh data folder. Settings are overridden like an operator would.
 */
public final class RunningSwitchboard implements AutoCloseable {

    private final Main main;
    private final int port;
    private final Path dataDir;

    private RunningSwitchboard(Main main, int port, Path dataDir) {
        this.main = main;
        this.port = port;
        this.dataDir = dataDir;
    }

    /** Started and ready: every system it is configured to reach is connected. */
    public static RunningSwitchboard start(Map<String, String> overrides) throws Exception {
        return start(overrides, "/observe/health/ready");
    }

    /**
     * Started and live, ready or not: for tests of a system that keeps it from becoming ready
     * (an XMPP server whose certificate it does not trust, say).
     */
    public static RunningSwitchboard startLive(Map<String, String> overrides) throws Exception {
        return start(overrides, "/observe/health/live");
    }

    private static RunningSwitchboard start(Map<String, String> overrides, String healthPath) throws Exception {
        int port = freePort();
        Path data = Files.createTempDirectory("switchboard-test");
        Map<String, String> props = new HashMap<>();
        props.put("switchboard.port", Integer.toString(port));
        props.put("switchboard.data.dir", data.toString());
        props.put("switchboard.routes.dir", data.resolve("routes").toString());
        props.putAll(overrides);
        Main main = new Main(Switchboard.class);
        main.setDefaultPropertyPlaceholderLocation("classpath:application.properties");
        props.forEach(main::addOverrideProperty);
        Files.createDirectories(Path.of(props.get("switchboard.routes.dir")));
        main.start();
        RunningSwitchboard running = new RunningSwitchboard(main, port, data);
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await("Switchboard at " + healthPath).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(running.uri(healthPath)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        return running;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
