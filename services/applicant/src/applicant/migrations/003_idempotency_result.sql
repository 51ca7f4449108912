-- An Idempotency-Key remembers what it made (the application's id), not an HTTP response:
-- a retry is answered by rendering that application, as the first answer was.
ALTER TABLE idempotency_keys ADD COLUMN application_id UUID;
UPDATE idempotency_keys SET application_id = (body->>'id')::uuid WHERE body ? 'id';
ALTER TABLE idempotency_keys DROP COLUMN status_code, DROP COLUMN body;
