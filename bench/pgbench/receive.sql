-- broker_receive_messages: a recipient's queue head, then marked delivered.
\set r random(1, :recipients)
SELECT message_id, recipient_id, sender_id, protocol_name, protocol_version, priority, payload, created_at, expires_at
  FROM broker_messages WHERE recipient_id = 'r' || :r ORDER BY priority DESC, seq LIMIT 10;
UPDATE broker_messages SET delivered_at = 1 WHERE delivered_at IS NULL AND message_id IN
  (SELECT message_id FROM broker_messages WHERE recipient_id = 'r' || :r ORDER BY priority DESC, seq LIMIT 10);
