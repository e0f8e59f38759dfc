package io.switchboard.xmpp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prosody on loopback for the tests: its own temp folder, a free port, users registered with
 * prosodyctl, a MUC component, stopped by PID. Missing binaries fail, never skip
 * (src/test/setup/install-test-tools.sh installs the Debian package, which starts no server).
 */
public final class ProsodyServer implements AutoCloseable {

    public static final String DOMAIN = "localhost";
    public static final String MUC = "conference.localhost";

    private final Path dir;
    private final int port;
    private final boolean tls;
    private String extraConfig = "";
    private Process process;

    private ProsodyServer(Path dir, int port, boolean tls) {
        this.dir = dir;
        this.port = port;
        this.tls = tls;
    }

    /** Plain c2s with extra global settings (Lua lines placed before the VirtualHost). */
    public static ProsodyServer startWith(String extraConfig, String... users) throws Exception {
        return start(false, extraConfig, users);
    }

    /** Plain c2s (the tests set SWITCHBOARD_XMPP_SECURITY=disabled explicitly). */
    public static ProsodyServer start(String... users) throws Exception {
        return start(false, users);
    }

    /** With {@code tls}: STARTTLS required, a self-signed certificate for "localhost". */
    public static ProsodyServer start(boolean tls, String... users) throws Exception {
        return start(tls, "", users);
    }

    private static ProsodyServer start(boolean tls, String extraConfig, String... users) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/prosody"))) {
            throw new IllegalStateException("Prosody is not installed (no /usr/bin/prosody). The XMPP tests need a real one: "
                    + "run src/test/setup/install-test-tools.sh as root, or apt-get install -y --no-install-recommends prosody.");
        }
        Path dir = Files.createTempDirectory("switchboard-prosody");
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("certs"));
        ProsodyServer server = new ProsodyServer(dir, freePort(), tls);
        server.extraConfig = extraConfig;
        if (tls) {
            server.makeCertificate();
        }
        server.writeConfig();
        for (String user : users) {
            server.register(user, password(user));
        }
        server.launch();
        Runtime.getRuntime().addShutdownHook(new Thread(server::closeQuietly, "prosody-stop"));
        return server;
    }

    public static String password(String user) {
        return "secret-" + user;
    }

    public static String jid(String user) {
        return user + "@" + DOMAIN;
    }

    public int port() {
        return port;
    }

    /** The PKCS12 trust store holding the server's self-signed certificate (password "changeit"). */
    public Path trustStore() {
        return dir.resolve("certs/trust.p12");
    }

    public void register(String user, String password) throws Exception {
        run(List.of("prosodyctl", "--config", config().toString(), "register", user, DOMAIN, password));
    }

    /** Stops the server (SIGTERM to its PID, as an operator's restart does) and waits for it to exit. */
    public void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts it again on the same port with the same data (accounts, rosters, offline messages). */
    public void restart() throws Exception {
        stop();
        launch();
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            stop();
        } catch (Exception ignored) {
            // the JVM is going; the folder goes too
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private void launch() throws Exception {
        process = new ProcessBuilder("prosody", "--config", config().toString(), "-F")
                .redirectErrorStream(true).redirectOutput(dir.resolve("console.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Prosody exited: " + Files.readString(dir.resolve("console.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
            }
        }
        throw new IllegalStateException("Prosody did not open port " + port);
    }

    private Path config() {
        return dir.resolve("prosody.cfg.lua");
    }

    private void writeConfig() throws IOException {
        String d = dir.toString();
        String cfg = """
                run_as_root = true
                pidfile = "%1$s/prosody.pid"; data_path = "%1$s/data"; certificates = "%1$s/certs"
                log = { info = "%1$s/prosody.log"; error = "*console" }
                interfaces = { "127.0.0.1" }; c2s_ports = { %2$d }; c2s_direct_tls_ports = {}
                modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping"; "posix"; "offline"; "smacks" }
                modules_disabled = { "s2s" }
                c2s_require_encryption = %3$s; allow_unencrypted_plain_auth = %4$s
                authentication = "internal_plain"
                -- the flood and bench tests send far more than a person would
                limits = { c2s = { rate = "100mb/s" } }
                %5$s
                %6$s
                VirtualHost "localhost"
                Component "conference.localhost" "muc"
                  muc_room_locking = false
                """.formatted(d, port, tls, !tls,
                tls ? "ssl = { certificate = \"" + d + "/certs/localhost.crt\"; key = \"" + d + "/certs/localhost.key\" }" : "",
                extraConfig);
        Files.writeString(config(), cfg);
    }

    private void makeCertificate() throws Exception {
        Path certs = dir.resolve("certs");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                "-keyout", certs.resolve("localhost.key").toString(), "-out", certs.resolve("localhost.crt").toString()));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(certs.resolve("localhost.crt"))) {
            trust.setCertificateEntry("prosody", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        try (var out = Files.newOutputStream(trustStore())) {
            trust.store(out, "changeit".toCharArray());
        }
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
