package io.switchboard.mqtt;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real Mosquitto 2 on loopback for the tests, in a temp folder, on free ports, stopped by PID:
 * an anonymous listener, one that needs a password (user {@link #USER}), one with TLS whose
 * certificate a test CA signed ({@link #trustStore()} trusts it) and one with TLS signed by a CA
 * nobody trusts. Missing binaries fail the test: src/test/setup/install-test-tools.sh installs them.
 */
public final class MosquittoServer implements AutoCloseable {

    public static final String USER = "device-admin";
    public static final String PASSWORD = "s3cret-" + Long.toHexString(System.nanoTime());
    public static final String TRUST_STORE_PASSWORD = "changeit";

    private final Path dir;
    private final int anonymousPort;
    private final int passwordPort;
    private final int tlsPort;
    private final int untrustedTlsPort;
    private Process process;

    private MosquittoServer(Path dir, int anonymousPort, int passwordPort, int tlsPort, int untrustedTlsPort) {
        this.dir = dir;
        this.anonymousPort = anonymousPort;
        this.passwordPort = passwordPort;
        this.tlsPort = tlsPort;
        this.untrustedTlsPort = untrustedTlsPort;
    }

    public static MosquittoServer start() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/mosquitto")) || !Files.isExecutable(Path.of("/usr/bin/mosquitto_passwd"))) {
            throw new IllegalStateException("Mosquitto is not installed (/usr/sbin/mosquitto). The MQTT tests need a real "
                    + "one: run src/test/setup/install-test-tools.sh as root, or apt-get install -y --no-install-recommends "
                    + "mosquitto mosquitto-clients");
        }
        Path dir = Files.createTempDirectory("switchboard-mosquitto");
        // Mosquitto drops root to user 'mosquitto': it must read the files and write its log here.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        MosquittoServer server = new MosquittoServer(dir, freePort(), freePort(), freePort(), freePort());
        server.writeCertificates();
        run(dir, "mosquitto_passwd", "-b", "-c", dir.resolve("passwd").toString(), USER, PASSWORD);
        server.writeConfig();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::deleteQuietly, "mosquitto-cleanup"));
        server.launch();
        return server;
    }

    private void writeCertificates() throws Exception {
        for (String ca : List.of("ca", "rogue-ca")) {
            run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Switchboard test " + ca,
                    "-keyout", ca + ".key", "-out", ca + ".crt");
        }
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        for (String[] pair : List.of(new String[] {"server", "ca"}, new String[] {"rogue", "rogue-ca"})) {
            run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-keyout", pair[0] + ".key", "-out", pair[0] + ".csr");
            run(dir, "openssl", "x509", "-req", "-in", pair[0] + ".csr", "-CA", pair[1] + ".crt", "-CAkey", pair[1] + ".key",
                    "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", pair[0] + ".crt");
        }
        // The trust store Switchboard is configured with: the test CA only.
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (var in = Files.newInputStream(dir.resolve("ca.crt"))) {
            ks.setCertificateEntry("switchboard-test-ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        try (var out = Files.newOutputStream(dir.resolve("truststore.p12"))) {
            ks.store(out, TRUST_STORE_PASSWORD.toCharArray());
        }
    }

    private void writeConfig() throws IOException {
        String conf = String.join("\n",
                "per_listener_settings true",
                "persistence false",
                "log_dest file " + dir.resolve("mosquitto.log"),
                "log_type error", "log_type warning", "log_type notice", "log_type information",
                "max_queued_messages 100000",
                "listener " + anonymousPort + " 127.0.0.1",
                "allow_anonymous true",
                "listener " + passwordPort + " 127.0.0.1",
                "allow_anonymous false",
                "password_file " + dir.resolve("passwd"),
                "listener " + tlsPort + " 127.0.0.1",
                "allow_anonymous true",
                "cafile " + dir.resolve("ca.crt"),
                "certfile " + dir.resolve("server.crt"),
                "keyfile " + dir.resolve("server.key"),
                "listener " + untrustedTlsPort + " 127.0.0.1",
                "allow_anonymous true",
                "cafile " + dir.resolve("rogue-ca.crt"),
                "certfile " + dir.resolve("rogue.crt"),
                "keyfile " + dir.resolve("rogue.key"),
                "");
        Files.writeString(dir.resolve("mosquitto.conf"), conf);
    }

    private void launch() {
        try {
            process = new ProcessBuilder("/usr/sbin/mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Awaitility.await("mosquitto listening").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("mosquitto exited: " + log());
                    }
                    return List.of(anonymousPort, passwordPort, tlsPort, untrustedTlsPort).stream().allMatch(MosquittoServer::open);
                });
    }

    /** Stops the broker by its PID (a broker outage as a session sees it). */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts it again on the same ports. */
    public void restart() throws InterruptedException {
        stop();
        launch();
    }

    public long pid() {
        return process.pid();
    }

    public int anonymousPort() {
        return anonymousPort;
    }

    public int passwordPort() {
        return passwordPort;
    }

    public int tlsPort() {
        return tlsPort;
    }

    public int untrustedTlsPort() {
        return untrustedTlsPort;
    }

    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    public String url() {
        return "mqtt://127.0.0.1:" + anonymousPort;
    }

    public String log() {
        try {
            String text = Files.readString(dir.resolve("mosquitto.log"));
            return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        deleteQuietly();
    }

    private void deleteQuietly() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static boolean open(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void run(Path dir, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("`" + String.join(" ", cmd) + "` failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
