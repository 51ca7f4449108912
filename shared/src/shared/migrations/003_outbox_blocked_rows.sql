-- A row that failed to publish holds back the later rows of its (topic, key) until it goes,
-- so per-key order holds; a row that failed for a reason of its own (too large, unserialisable)
-- waits `next_attempt_at` between tries, while every other key goes on.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS next_attempt_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS outbox_failed ON outbox (topic, key, id)
    WHERE sent_at IS NULL AND attempts > 0;
