package io.switchboard.broker;

import io.switchboard.testing.PostgresServer;

/** The same broker flows on a real PostgreSQL: the setup for several Switchboard instances. */
class BrokerOnPostgresTest extends BrokerFlowTest {

    @Override
    String databaseUrl() throws Exception {
        return PostgresServer.shared().newDatabase();
    }
}
