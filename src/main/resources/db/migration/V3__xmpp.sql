-- The XMPP bridge (seed 000): what arrived (inbox) and what is to be sent (outbox).
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- Every message that reached the AI, durable across restarts; read_messages reads it.
CREATE TABLE xmpp_inbox (
    seq          BIGINT       NOT NULL PRIMARY KEY,
    message_id   VARCHAR(200) NOT NULL,
    sender       VARCHAR(3071) NOT NULL,
    sender_full  VARCHAR(3071),
    room         VARCHAR(3071),
    kind         VARCHAR(16)  NOT NULL,
    priority     VARCHAR(8)   NOT NULL,
    body         TEXT         NOT NULL,
    received_at  BIGINT       NOT NULL,
    read_at      BIGINT
);
CREATE INDEX xmpp_inbox_by_sender ON xmpp_inbox (sender, seq);
CREATE INDEX xmpp_inbox_unread ON xmpp_inbox (read_at, seq);

-- Accepted sends, stored before they are acknowledged; replayed in order after an outage.
CREATE TABLE xmpp_outbox (
    seq          BIGINT       NOT NULL PRIMARY KEY,
    message_id   VARCHAR(64)  NOT NULL UNIQUE,
    recipient    VARCHAR(3071) NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    body         TEXT         NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    created_at   BIGINT       NOT NULL,
    sent_at      BIGINT,
    delivered_at BIGINT
);
CREATE INDEX xmpp_outbox_by_status ON xmpp_outbox (status, seq);

-- Rooms the bridge sits in, joined again after a reconnect or a restart.
CREATE TABLE xmpp_rooms (
    room       VARCHAR(3071) NOT NULL PRIMARY KEY,
    nickname   VARCHAR(1023) NOT NULL,
    joined_at  BIGINT        NOT NULL
);
