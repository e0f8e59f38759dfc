package io.switchboard.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real HAProxy on loopback running the shipped docker/haproxy.cfg unchanged: the backends'
 * addresses and the bind address come from the environment, as in the compose profile.
 */
public final class HaproxyServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private HaproxyServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts HAProxy in front of {@code a} and {@code b} (host:port each); answers once it accepts connections. */
    public static HaproxyServer start(String a, String b) throws Exception {
        Path binary = Path.of("/usr/sbin/haproxy");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("HAProxy is missing: run src/test/setup/install-test-tools.sh (apt-get install haproxy)");
        }
        int port = freePort();
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        Path log = logs.resolve("haproxy-" + port + ".log");
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-f", Path.of("docker", "haproxy.cfg").toString(), "-db")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HAPROXY_BIND", "127.0.0.1:" + port);
        pb.environment().put("SWITCHBOARD_A", a);
        pb.environment().put("SWITCHBOARD_B", b);
        HaproxyServer running = new HaproxyServer(pb.start(), port, log);
        try {
            Awaitility.await("HAProxy listening").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions().until(() -> {
                        if (!running.process.isAlive()) {
                            throw new IllegalStateException("haproxy exited: " + Files.readString(log));
                        }
                        try (Socket s = new Socket("127.0.0.1", port)) {
                            return true;
                        }
                    });
        } catch (RuntimeException e) {
            running.close();
            throw e;
        }
        return running;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public List<String> log() throws IOException {
        return Files.readAllLines(log);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
