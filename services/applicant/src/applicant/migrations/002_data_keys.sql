-- Crypto-shredding: one data key per applicant seals their contact details in events.
-- Erasure deletes the row, and every sealed copy anywhere becomes unreadable.
CREATE TABLE data_keys (
    applicant_id TEXT PRIMARY KEY,
    key          BYTEA NOT NULL CHECK (length(key) = 32),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- An erased profile keeps its row (applications reference it) but no personal data.
ALTER TABLE applicants ADD COLUMN erased_at TIMESTAMPTZ;
