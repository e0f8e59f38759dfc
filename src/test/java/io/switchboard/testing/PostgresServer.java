package io.switchboard.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL on loopback for the tests, started once per JVM (initdb + pg_ctl in a temp
 * folder, fsync off) and stopped when the JVM exits. Each caller gets a database of its own.
 * Missing binaries are a failure, never a skip: the test setup installs the Debian package.
 */
public final class PostgresServer {

    private static final String USER = "switchboard";
    private static final String PASSWORD = "switchboard-test";
    private static PostgresServer instance;

    private final int port;

    private PostgresServer(int port) {
        this.port = port;
    }

    public static synchronized PostgresServer shared() throws Exception {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    /** A fresh, empty database on the shared server. */
    public String newDatabase() throws Exception {
        String name = "sb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return url(name) + "&user=" + USER + "&password=" + PASSWORD;
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?sslmode=disable";
    }

    private static PostgresServer start() throws Exception {
        Path bin = binaries();
        Path dir = Files.createTempDirectory("switchboard-pg");
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pw");
        Files.writeString(pwfile, PASSWORD + "\n");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        }
        run(asPostgres(root, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + pwfile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"));
        int port = freePort();
        run(asPostgres(root, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("pg.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                run(asPostgres(root, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop"));
            } catch (Exception ignored) {
                // the JVM is going away; a leftover server dies with the machine's session
            }
        }));
        return new PostgresServer(port);
    }

    private static Path binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.naturalOrder())
                        .orElseThrow(() -> missing());
            }
        }
        throw missing();
    }

    private static IllegalStateException missing() {
        return new IllegalStateException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). "
                + "Install it with: apt-get install -y --no-install-recommends postgresql (src/test/setup does this).");
    }

    private static List<String> asPostgres(boolean root, String... command) {
        List<String> cmd = new ArrayList<>();
        if (root) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        return cmd;
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
