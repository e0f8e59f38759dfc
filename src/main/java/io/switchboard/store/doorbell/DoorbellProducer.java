package io.switchboard.store.doorbell;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Rings with the body (ids, as text) as payload. Inside a {@code transacted} block the ring
 * belongs to that transaction: PostgreSQL delivers a NOTIFY at commit and drops it on rollback,
 * and the in-process bell waits for the commit likewise.
 */
final class DoorbellProducer extends DefaultProducer {

    private final DoorbellEndpoint endpoint;

    DoorbellProducer(DoorbellEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String payload = exchange.getMessage().getMandatoryBody(String.class);
        if (payload.getBytes(StandardCharsets.UTF_8).length >= DoorbellComponent.MAX_PAYLOAD) {
            throw new IllegalArgumentException("A doorbell payload carries ids only (under 8000 bytes)");
        }
        DoorbellComponent component = endpoint.getComponent();
        if (component.postgres()) {
            DataSource pool = component.pool();
            // The connection of the caller's transaction when there is one (Spring binds it to the thread).
            Connection c = DataSourceUtils.getConnection(pool);
            try (PreparedStatement s = c.prepareStatement("select pg_notify(?, ?)")) {
                s.setString(1, endpoint.channel());
                s.setString(2, payload);
                s.execute();
            } finally {
                DataSourceUtils.releaseConnection(c, pool);
            }
        } else if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    component.ringLocally(endpoint.channel(), payload);
                }
            });
        } else {
            component.ringLocally(endpoint.channel(), payload);
        }
    }
}
