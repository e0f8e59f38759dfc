package io.switchboard.xmpp;

import io.switchboard.Switchboard;
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
import org.apache.camel.main.Main;
import org.awaitility.Awaitility;

/**
 * Switchboard started as RunningSwitchboard starts it, but waited for until it is live rather than
 * ready: with an XMPP server it cannot trust, it never becomes ready, and that is what is tested.
 */
final class LiveSwitchboard implements AutoCloseable {

    private final Main main;
    private final int port;

    private LiveSwitchboard(Main main, int port) {
        this.main = main;
        this.port = port;
    }

    static LiveSwitchboard start(Map<String, String> overrides) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = Files.createTempDirectory("switchboard-test");
        Map<String, String> props = new HashMap<>();
        props.put("switchboard.port", Integer.toString(port));
        props.put("switchboard.data.dir", data.toString());
        props.put("switchboard.routes.dir", data.resolve("routes").toString());
        props.putAll(overrides);
        Files.createDirectories(Path.of(props.get("switchboard.routes.dir")));
        Main main = new Main(Switchboard.class);
        main.setDefaultPropertyPlaceholderLocation("classpath:application.properties");
        props.forEach(main::addOverrideProperty);
        main.start();
        LiveSwitchboard running = new LiveSwitchboard(main, port);
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await("Switchboard live").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(running.uri("/observe/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        return running;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
