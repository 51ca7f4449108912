-- Tombstones: applicants who exercised their right to erasure. Every consumer checks it
-- before writing what an event says about a person, so an event that arrives after the
-- erasure (another partition, a replay) cannot bring their data back. The id is the
-- identity provider's opaque subject, which stays as a pseudonym.
CREATE TABLE IF NOT EXISTS erased_applicants (
    applicant_id TEXT PRIMARY KEY,
    erased_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
