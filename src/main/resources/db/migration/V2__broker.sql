-- The agent broker (seed 004). Portable SQL: the same file runs on SQLite and PostgreSQL.
-- Times are epoch milliseconds; ids are UUID text; JSON documents are text.

CREATE TABLE broker_protocols (
    name           VARCHAR(100) NOT NULL,
    version        VARCHAR(40)  NOT NULL,
    schema_json    TEXT         NOT NULL,
    capabilities   TEXT         NOT NULL,
    metadata       TEXT,
    registered_at  BIGINT       NOT NULL,
    PRIMARY KEY (name, version)
);

-- A broker session outlives MCP connections: an agent resumes it by id after reconnecting.
CREATE TABLE broker_sessions (
    session_id      VARCHAR(64)  NOT NULL PRIMARY KEY,
    capabilities    TEXT         NOT NULL,
    connected_at    BIGINT       NOT NULL,
    last_heartbeat  BIGINT       NOT NULL,
    status          VARCHAR(16)  NOT NULL
);

-- Accepted messages wait here until their recipient acknowledges them (then they are deleted).
-- seq orders a recipient's queue within a priority; delivered_at is the first hand-over.
CREATE TABLE broker_messages (
    message_id        VARCHAR(64)  NOT NULL PRIMARY KEY,
    recipient_id      VARCHAR(64)  NOT NULL,
    sender_id         VARCHAR(64)  NOT NULL,
    protocol_name     VARCHAR(100) NOT NULL,
    protocol_version  VARCHAR(40)  NOT NULL,
    priority          INTEGER      NOT NULL,
    seq               BIGINT       NOT NULL,
    payload           TEXT         NOT NULL,
    created_at        BIGINT       NOT NULL,
    expires_at        BIGINT,
    delivered_at      BIGINT,
    idempotency_key   VARCHAR(200)
);

CREATE INDEX broker_messages_queue ON broker_messages (recipient_id, priority, seq);
CREATE INDEX broker_messages_expiry ON broker_messages (expires_at);
-- A client's idempotency key makes a retried send a no-op (NULL keys never collide).
CREATE UNIQUE INDEX broker_messages_idempotency ON broker_messages (sender_id, recipient_id, idempotency_key);
