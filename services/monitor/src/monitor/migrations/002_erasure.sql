-- Right to erasure: a dead letter about an erased applicant loses its bytes (and can no
-- longer be replayed, which would re-create their data downstream); the row stays for audit.
ALTER TABLE dead_letters ADD COLUMN erased_at timestamptz;
