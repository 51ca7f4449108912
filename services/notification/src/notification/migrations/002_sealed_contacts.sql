-- ApplicationSubmitted v2's contact details as they came: sealed under the applicant's data
-- key. The delivery worker opens them (fetching the key from the applicant service, outside
-- any consumer transaction) into `contacts`; until then an applicant's email waits for its
-- address. Erasure deletes them with the contact.
CREATE TABLE sealed_contacts (
    applicant_id   TEXT NOT NULL,
    application_id UUID NOT NULL,
    sealed         JSONB NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    next_try_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (applicant_id, application_id)
);
CREATE INDEX sealed_contacts_due ON sealed_contacts (next_try_at);
