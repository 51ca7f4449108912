-- The inbox purge (shared.inbox_purge) deletes the oldest rows in bounded batches; without an
-- index on received_at each batch would scan the whole inbox.
CREATE INDEX IF NOT EXISTS inbox_received_at ON inbox (received_at);
