package io.switchboard.store;

import javax.sql.DataSource;
import org.apache.camel.processor.idempotent.jdbc.JdbcMessageIdRepository;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Camel's JDBC idempotent repository on the store's {@code CAMEL_MESSAGEPROCESSED} table (created
 * by the migrations, identical on every database), safe when two instances or threads see the
 * same id at the same moment.
 */
public final class ProcessedMessageIds extends JdbcMessageIdRepository {

    public ProcessedMessageIds(DataSource dataSource, TransactionTemplate transactions, String processorName) {
        super(dataSource, transactions, processorName);
        setCreateTableIfNotExists(false);
    }

    /**
     * Camel checks then inserts in one transaction. On SQLite the IMMEDIATE transaction makes
     * that atomic; on PostgreSQL (read committed) two transactions can both find the id absent,
     * and the second insert then hits the primary key: that id was processed, so it is a
     * duplicate, not a failure of the exchange.
     */
    @Override
    public boolean add(String key) {
        try {
            return super.add(key);
        } catch (DuplicateKeyException e) {
            return false;
        }
    }
}
