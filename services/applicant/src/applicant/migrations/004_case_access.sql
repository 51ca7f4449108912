-- Who may read an application's case (the applicant's details for a decision), kept from the
-- approval and matching events this service already follows. PII stays here: deciders read
-- it from this service, which checks the caller against these rows on every request.

-- Each proposal of an application: its host may see the case, and the case shows its terms.
CREATE TABLE proposals (
    match_id          UUID PRIMARY KEY,
    application_id    UUID NOT NULL,
    opportunity_id    UUID NOT NULL,
    host_org_id       TEXT NOT NULL,
    sector            TEXT NOT NULL,
    country           TEXT NOT NULL,
    region            TEXT,
    start_date        DATE NOT NULL,
    length_months     INT NOT NULL,
    clearance_needed  TEXT NOT NULL,
    score             DOUBLE PRECISION NOT NULL,
    proposed_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX proposals_by_application ON proposals (application_id, proposed_at);

-- One row per holding of a stage: opened (status open), decided (granted / refused), or taken
-- away by a reassignment (reassigned: that holder no longer sees the case through it).
CREATE TABLE stage_holders (
    id               BIGSERIAL PRIMARY KEY,
    application_id   UUID NOT NULL,
    case_id          UUID NOT NULL,
    stage            TEXT NOT NULL,
    approver_role    TEXT NOT NULL,
    approver_org_id  TEXT,
    approver_id      TEXT,
    status           TEXT NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'granted', 'refused', 'reassigned')),
    opened_at        TIMESTAMPTZ NOT NULL,
    due_at           TIMESTAMPTZ NOT NULL,
    decided_by       TEXT,
    decided_at       TIMESTAMPTZ,
    note             TEXT,
    reason           TEXT,
    mitigation       TEXT
);
CREATE INDEX stage_holders_by_application ON stage_holders (application_id, opened_at, id);
CREATE INDEX stage_holders_open ON stage_holders (case_id, stage) WHERE status = 'open';
