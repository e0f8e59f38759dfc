-- The same send plus the doorbell other instances listen for (issue 14: ids only, in the same transaction).
\set r random(1, :recipients)
BEGIN;
UPDATE broker_sessions SET last_heartbeat = last_heartbeat WHERE session_id = 'r' || :r;
INSERT INTO broker_messages (message_id, recipient_id, sender_id, protocol_name, protocol_version, priority, seq, payload, created_at, expires_at, idempotency_key)
  SELECT gen_random_uuid()::text, 'r' || :r, 's1', 'tick', '1.0.0', 0, nextval('bench_seq'), '{"n": 1, "text": "a short agent message of about a hundred bytes of JSON payload"}', 0, NULL, NULL
  WHERE (SELECT count(*) FROM broker_messages WHERE recipient_id = 'r' || :r) < 100;
SELECT pg_notify('broker_messages', 'r' || :r);
COMMIT;
