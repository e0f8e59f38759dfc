-- Several instances on one PostgreSQL (issue 14). Versioned 6.14 so that it sorts after any V6
-- another change adds, without taking its number.

-- Which instance holds the MCP connection a broker session is reachable on (null: none, or a
-- handle-only session of the 2026-07-28 era, reachable wherever its inbox is listened to). Lets
-- a send on one instance answer "delivered" for a recipient listening on another.
ALTER TABLE broker_sessions ADD COLUMN instance_id VARCHAR(120);

-- Queue order from the database, not from each process's clock: two instances' clocks never
-- agree to the microsecond, a sequence does. Started above every seq already stored (those were
-- epoch microseconds), so what waits in a queue stays ahead of what comes after the upgrade.
CREATE SEQUENCE broker_message_seq;
SELECT setval('broker_message_seq', greatest(coalesce((SELECT max(seq) FROM broker_messages), 0), 1));

-- The insert names seq as 0 (the SQL is shared with SQLite); the database assigns the real one.
CREATE FUNCTION broker_message_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.seq := nextval('broker_message_seq');
    RETURN NEW;
END $$;
CREATE TRIGGER broker_messages_seq BEFORE INSERT ON broker_messages
    FOR EACH ROW EXECUTE FUNCTION broker_message_seq();
