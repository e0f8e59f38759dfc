package io.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The databases the store runs on. A test class runs once on each with JUnit's
 * {@code @ParameterizedClass @EnumSource(Database.class)} and a {@code @Parameter Database database} field;
 * each call of {@link #create()} gives a fresh, empty database.
 */
public enum Database {
    /** The default: a file in a temp folder, as {@code ./data/switchboard.db} is in production. */
    SQLITE {
        @Override
        public DatabaseLogin create() throws Exception {
            Path dir = Files.createTempDirectory("switchboard-sqlite");
            deleteAtExit(dir);
            return new DatabaseLogin("jdbc:sqlite:" + dir.resolve("switchboard.db"), "", "");
        }
    },
    /** A real PostgreSQL on loopback, shared by every test class of the JVM (see {@link PostgresServer}). */
    POSTGRESQL {
        @Override
        public DatabaseLogin create() throws Exception {
            return PostgresServer.shared().createDatabase();
        }
    };

    public abstract DatabaseLogin create() throws Exception;

    private static void deleteAtExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp folder left behind is harmless
            }
        }, "sqlite-cleanup"));
    }
}
