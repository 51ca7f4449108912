-- Approval cases (one per match proposal), their stages, durable SLA timers, placements.
CREATE TABLE cases (
    id                UUID PRIMARY KEY,
    match_id          UUID NOT NULL UNIQUE,
    application_id    UUID NOT NULL,
    opportunity_id    UUID NOT NULL,
    applicant_id      TEXT NOT NULL,
    host_org_id       TEXT NOT NULL,
    organisation_id   TEXT NOT NULL,
    line_manager_id   TEXT,
    bcc_chamber_id    TEXT,
    scheme            TEXT NOT NULL,
    sector            TEXT NOT NULL,
    country           TEXT NOT NULL,
    region            TEXT,
    start_date        DATE NOT NULL,
    length_months     INT NOT NULL CHECK (length_months BETWEEN 1 AND 12),
    chain             TEXT[] NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'approved', 'rejected')),
    rejection_reason  TEXT,
    correlation_id    UUID NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at         TIMESTAMPTZ
);
CREATE INDEX cases_application ON cases (application_id);

CREATE TABLE stages (
    id               UUID PRIMARY KEY,
    case_id          UUID NOT NULL REFERENCES cases (id),
    position         INT NOT NULL,
    stage            TEXT NOT NULL,
    approver_role    TEXT NOT NULL,
    approver_org_id  TEXT,
    approver_id      TEXT,
    status           TEXT NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'granted', 'refused', 'expired', 'withdrawn')),
    opened_at        TIMESTAMPTZ NOT NULL,
    due_at           TIMESTAMPTZ NOT NULL,
    escalated_at     TIMESTAMPTZ,
    opened_event_id  UUID NOT NULL,
    decided_by       TEXT,
    decided_at       TIMESTAMPTZ,
    reason           TEXT,
    note             TEXT,
    mitigation       TEXT,
    UNIQUE (case_id, position)
);
CREATE INDEX stages_open ON stages (approver_role, status);

-- One row per deadline. A poller claims due rows FOR UPDATE SKIP LOCKED and marks them fired in
-- the transaction that writes their events to the outbox, so each fires exactly once.
CREATE TABLE timers (
    id        BIGSERIAL PRIMARY KEY,
    stage_id  UUID NOT NULL REFERENCES stages (id),
    kind      TEXT NOT NULL CHECK (kind IN ('reminder', 'escalation', 'expiry')),
    fire_at   TIMESTAMPTZ NOT NULL,
    fired_at  TIMESTAMPTZ,
    outcome   TEXT,
    UNIQUE (stage_id, kind)
);
CREATE INDEX timers_due ON timers (fire_at) WHERE fired_at IS NULL;

-- Withdrawals seen, so a proposal that arrives after its application was withdrawn is rejected.
CREATE TABLE withdrawn_applications (
    application_id  UUID PRIMARY KEY,
    withdrawn_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE placements (
    id                  UUID PRIMARY KEY,
    case_id             UUID NOT NULL UNIQUE REFERENCES cases (id),
    status              TEXT NOT NULL DEFAULT 'confirmed'
                        CHECK (status IN ('confirmed', 'started', 'ended')),
    start_date          DATE NOT NULL,
    end_date            DATE NOT NULL,
    started_on          DATE,
    ended_on            DATE,
    outcome             TEXT,
    ended_by            TEXT,
    end_reason          TEXT,
    host_rating         INT,
    placee_rating       INT,
    skills_gained       TEXT[] NOT NULL DEFAULT '{}',
    last_event_id       UUID NOT NULL,
    CHECK (end_date > start_date),
    -- The one-year cap, held by the database as well as the rules.
    CHECK (end_date <= start_date + INTERVAL '12 months')
);
