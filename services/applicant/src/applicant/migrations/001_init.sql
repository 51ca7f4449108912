-- Applicant profiles, applications with their status read model, timelines, idempotency keys.
CREATE TABLE applicants (
    id                  TEXT PRIMARY KEY,              -- the token's sub
    kind                TEXT NOT NULL,
    name                TEXT NOT NULL,                 -- PII
    email               TEXT NOT NULL,                 -- PII
    organisation_id     TEXT NOT NULL,                 -- department, employer or FCDO post
    grade               TEXT,
    profession          TEXT,
    role                TEXT,
    clearance_held      TEXT NOT NULL DEFAULT 'none',
    skills              JSONB NOT NULL DEFAULT '[]',
    sectors             JSONB NOT NULL DEFAULT '[]',
    preferred_regions   JSONB NOT NULL DEFAULT '[]',
    preferred_countries JSONB NOT NULL DEFAULT '[]',
    available_from      DATE,
    available_until     DATE,
    line_manager_id     TEXT,
    declared_interests  JSONB NOT NULL DEFAULT '[]',
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE applications (
    id                    UUID PRIMARY KEY,
    applicant_id          TEXT NOT NULL REFERENCES applicants (id),
    scheme                TEXT NOT NULL,
    sectors               JSONB NOT NULL DEFAULT '[]',
    preferred_regions     JSONB NOT NULL DEFAULT '[]',
    preferred_countries   JSONB NOT NULL DEFAULT '[]',
    earliest_start        DATE NOT NULL,
    desired_length_months INT NOT NULL CHECK (desired_length_months BETWEEN 1 AND 12),
    opportunity_id        UUID,
    status                TEXT NOT NULL DEFAULT 'submitted',
    -- when the event that set the status happened: later events win, earlier ones do not
    status_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    awaiting_what         TEXT,
    awaiting_from         TEXT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One live application per person and scheme, held by the database itself so two concurrent
-- submissions cannot both win. Keep the predicate in step with domain.LIVE_SQL.
CREATE UNIQUE INDEX applications_one_live_per_scheme ON applications (applicant_id, scheme)
    WHERE status NOT IN ('withdrawn', 'rejected', 'ended');
CREATE INDEX applications_by_applicant ON applications (applicant_id, created_at DESC);
CREATE INDEX applications_by_created ON applications (created_at DESC, id);

CREATE TABLE timeline (
    id             BIGSERIAL PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    event_id       UUID UNIQUE,                         -- null for nothing; a redelivery adds no line
    event_type     TEXT NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    summary        TEXT NOT NULL,
    status         TEXT,                                -- the status after this line, when it moved
    awaiting_what  TEXT,
    awaiting_from  TEXT
);
CREATE INDEX timeline_by_application ON timeline (application_id, occurred_at, id);

CREATE TABLE idempotency_keys (
    caller_id    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INT,
    body         JSONB,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_id, key)
);
