-- What every system shares: Camel's idempotent repository and the dead-letter table.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- Camel's JdbcMessageIdRepository (idempotentConsumer); the shape camel-sql expects.
CREATE TABLE CAMEL_MESSAGEPROCESSED (
    processorName  VARCHAR(255) NOT NULL,
    messageId      VARCHAR(255) NOT NULL,
    createdAt      TIMESTAMP,
    PRIMARY KEY (processorName, messageId)
);

-- Whatever could not be delivered and must not be lost; replayable.
CREATE TABLE dead_letters (
    id            VARCHAR(64)  NOT NULL PRIMARY KEY,
    system        VARCHAR(32)  NOT NULL,
    reason        VARCHAR(200) NOT NULL,
    error_code    VARCHAR(40),
    payload       TEXT         NOT NULL,
    headers       TEXT,
    created_at    BIGINT       NOT NULL,
    replayed_at   BIGINT,
    replay_count  INTEGER      NOT NULL DEFAULT 0
);

CREATE INDEX dead_letters_by_system ON dead_letters (system, created_at);
