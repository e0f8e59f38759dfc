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
 * A real PostgreSQL on loopback for the tests: started once per JVM on first use (initdb + pg_ctl
 * in a temp folder, fsync off), stopped and deleted when the JVM exits. Every caller gets a fresh
 * database owned by a login of its own, so test classes never see each other's rows.
 * Missing binaries are a failure, never a skip: src/test/setup/install-test-tools.sh installs the
 * Debian package, which starts no server of its own.
 */
public final class PostgresServer {

    /** The cluster's superuser, for creating databases; Switchboard never logs in as it. */
    private static final String ADMIN = "sb_admin";
    private static final String ADMIN_PASSWORD = "sb-admin-" + UUID.randomUUID();
    private static PostgresServer instance;

    private final int port;

    private PostgresServer(int port) {
        this.port = port;
    }

    /** The JVM's server, started on first call. */
    public static synchronized PostgresServer shared() throws Exception {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    public int port() {
        return port;
    }

    /** A fresh, empty database and the login that owns it (not a superuser, as in production). */
    public DatabaseLogin createDatabase() throws Exception {
        String name = "sb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String password = "pw-" + UUID.randomUUID();
        try (Connection c = DriverManager.getConnection(url("postgres"), ADMIN, ADMIN_PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + name + " LOGIN PASSWORD '" + password + "'");
            s.execute("CREATE DATABASE " + name + " OWNER " + name);
        }
        return new DatabaseLogin(url(name), name, password);
    }

    /** Runs a statement as the cluster's superuser: what an administrator (or an outage) does to the server. */
    public void administer(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url("postgres"), ADMIN, ADMIN_PASSWORD);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A fresh database as one JDBC URL with the credentials in it, for callers that pass only a URL. */
    public String newDatabase() throws Exception {
        return createDatabase().urlWithCredentials();
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?sslmode=disable";
    }

    private static PostgresServer start() throws Exception {
        Path bin = binaries();
        Path dir = Files.createTempDirectory("switchboard-pg");
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pw");
        Files.writeString(pwfile, ADMIN_PASSWORD + "\n");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        }
        run(asPostgres(root, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", ADMIN, "--pwfile=" + pwfile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"));
        Files.delete(pwfile);
        Path log = dir.resolve("pg.log");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(root, bin, dir), "postgres-stop"));
        // A free port can be taken between finding it and binding it: try a few.
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            try {
                run(asPostgres(root, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(),
                        "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1"
                                // Test data need not survive a crash of the machine.
                                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                                // Every test class opens pools of its own.
                                + " -c max_connections=300",
                        "start"));
                return new PostgresServer(port);
            } catch (IllegalStateException e) {
                failure = e;
            }
        }
        throw new IllegalStateException(failure.getMessage() + "\npg.log:\n" + tail(log), failure);
    }

    private static void stop(boolean root, Path bin, Path dir) {
        try {
            // Immediate: the JVM is exiting and test data need no clean checkpoint.
            run(asPostgres(root, bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                    "-m", "immediate", "-w", "stop"));
        } catch (Exception ignored) {
            // not running (start failed); the folder goes all the same
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    /** The newest installed version's binaries (Debian: /usr/lib/postgresql/<version>/bin). */
    private static Path binaries() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> each = Files.list(versions)) {
                List<Path> found = each.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .sorted(Comparator.comparingInt(PostgresServer::majorVersion)).toList();
                if (!found.isEmpty()) {
                    return found.get(found.size() - 1);
                }
            }
        }
        throw new IllegalStateException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"
                + ("true".equals(System.getenv("CI")) ? " on this CI machine" : "")
                + ". The store and broker tests need a real one: run src/test/setup/install-test-tools.sh as root, "
                + "or apt-get install -y --no-install-recommends postgresql.");
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
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

    private static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
