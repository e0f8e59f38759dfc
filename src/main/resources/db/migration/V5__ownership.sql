-- Ownership of handles (issue 13): a broker session belongs to the client identity that created
-- it. With bearer tokens that is "token:" + a SHA-256 fingerprint of the token (never the token);
-- otherwise "addr:<ip>", which proves nothing and leaves the session id itself the capability.
ALTER TABLE broker_sessions ADD COLUMN owner VARCHAR(80);

-- Whose a broker dead letter is: a client lists and replays only those of messages addressed to
-- or sent by its own sessions. Rows from before this migration have neither and are visible only
-- when no tokens are configured.
ALTER TABLE dead_letters ADD COLUMN recipient_id VARCHAR(64);
ALTER TABLE dead_letters ADD COLUMN sender_id VARCHAR(64);
CREATE INDEX dead_letters_by_recipient ON dead_letters (recipient_id);
CREATE INDEX dead_letters_by_sender ON dead_letters (sender_id);
