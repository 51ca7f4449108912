-- A row that failed to publish for a reason of its own (too large, unserialisable) waits until
-- `next_attempt_at` between tries and holds back the later rows of its (topic, key) until it
-- goes, so per-key order holds, while every other key goes on. NULL: never failed so, or only
-- while the broker was away (the relay backs off as a whole then).
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS next_attempt_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS outbox_failed ON outbox (topic, key, id)
    WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL;
