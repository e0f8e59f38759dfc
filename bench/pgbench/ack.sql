-- broker_ack: what was delivered is deleted.
\set r random(1, :recipients)
DELETE FROM broker_messages WHERE recipient_id = 'r' || :r AND message_id IN
  (SELECT message_id FROM broker_messages WHERE recipient_id = 'r' || :r AND delivered_at IS NOT NULL ORDER BY priority DESC, seq LIMIT 10);
