package io.switchboard.broker;

import java.nio.file.Files;

/** The broker flows on SQLite, the default store. */
class BrokerOnSqliteTest extends BrokerFlowTest {

    @Override
    String databaseUrl() throws Exception {
        return "jdbc:sqlite:" + Files.createTempDirectory("broker-sqlite").resolve("switchboard.db");
    }
}
