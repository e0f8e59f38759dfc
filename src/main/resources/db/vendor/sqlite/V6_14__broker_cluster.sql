-- Issue 14, SQLite dialect (one instance): the same columns and the same rule as PostgreSQL's
-- V6_14, that the database, not the process clock, orders the queue.

ALTER TABLE broker_sessions ADD COLUMN instance_id VARCHAR(120);

-- SQLite has no sequences: a one-row counter, bumped by the insert's own trigger. SQLite has one
-- writer at a time, so the counter row is no bottleneck here. Started above every stored seq.
CREATE TABLE broker_message_seq (value INTEGER NOT NULL);
INSERT INTO broker_message_seq (value) SELECT coalesce(max(seq), 0) FROM broker_messages;

CREATE TRIGGER broker_messages_seq AFTER INSERT ON broker_messages BEGIN
    UPDATE broker_message_seq SET value = value + 1;
    UPDATE broker_messages SET seq = (SELECT value FROM broker_message_seq) WHERE rowid = new.rowid;
END;
