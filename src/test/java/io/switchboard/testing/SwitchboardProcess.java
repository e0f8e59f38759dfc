package io.switchboard.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** The built jar ({@code target/switchboard.jar}) as its own process, as an operator runs it. */
public final class SwitchboardProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private SwitchboardProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static SwitchboardProcess start(Map<String, String> env) throws Exception {
        Path jar = Path.of("target", "switchboard.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("target/switchboard.jar is missing: run `./mvnw package` first");
        }
        int port = freePort();
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        Path log = logs.resolve("switchboard-" + port + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SWITCHBOARD_PORT", Integer.toString(port));
        Path routes = Files.createTempDirectory("switchboard-routes");
        pb.environment().put("SWITCHBOARD_ROUTES_DIR", routes.toString());
        pb.environment().putAll(env);
        SwitchboardProcess running = new SwitchboardProcess(pb.start(), port, log);
        HttpClient http = HttpClient.newHttpClient();
        try {
            Awaitility.await("Switchboard ready").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!running.process.isAlive()) {
                            throw new IllegalStateException("exited " + running.process.exitValue() + ": " + running.tail());
                        }
                        return http.send(HttpRequest.newBuilder(running.uri("/observe/health/ready")).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    });
        } catch (RuntimeException e) {
            running.kill();
            throw new IllegalStateException("Switchboard did not become ready: " + running.tail(), e);
        }
        return running;
    }

    public int port() {
        return port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The process's resident set size (VmRSS), in kB, as Linux reports it. */
    public long rssKilobytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for process " + process.pid());
    }

    /** kill -9: no shutdown hook, no flush, nothing graceful. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public String tail() {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
