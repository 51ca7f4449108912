-- Opportunities posted by hosts; `data` is the published event's body (json mode).
CREATE TABLE opportunities (
    opportunity_id  UUID PRIMARY KEY,
    host_org_id     TEXT NOT NULL,
    scheme          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    capacity        INT NOT NULL CHECK (capacity >= 1),
    -- places held by live or confirmed proposals; never above capacity
    places_held     INT NOT NULL DEFAULT 0 CHECK (places_held >= 0 AND places_held <= capacity),
    proposals_made  INT NOT NULL DEFAULT 0,
    data            JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX opportunities_host ON opportunities (host_org_id, created_at);
CREATE INDEX opportunities_open ON opportunities (scheme) WHERE status = 'open';

-- Applications as matching needs them (no names or emails).
CREATE TABLE applications (
    application_id  UUID PRIMARY KEY,
    applicant_id    TEXT NOT NULL,
    scheme          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN
                        ('waiting', 'proposed', 'confirmed', 'withdrawn', 'erased')),
    correlation_id  UUID NOT NULL,
    data            JSONB NOT NULL,
    submitted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX applications_waiting ON applications (scheme) WHERE status = 'waiting';
CREATE INDEX applications_applicant ON applications (applicant_id);

CREATE TABLE rounds (
    round_id      UUID PRIMARY KEY,
    requested_by  TEXT NOT NULL,
    params        JSONB NOT NULL,
    report        JSONB,
    started_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ
);

-- Every pair ever proposed. The unique pair is what makes "never re-propose a failed pair"
-- hold even if two code paths race.
CREATE TABLE proposals (
    match_id        UUID PRIMARY KEY,
    application_id  UUID NOT NULL REFERENCES applications,
    opportunity_id  UUID NOT NULL REFERENCES opportunities,
    score           DOUBLE PRECISION NOT NULL,
    explanation     JSONB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'live'
                        CHECK (status IN ('live', 'released', 'confirmed')),
    release_reason  TEXT,
    round_id        UUID REFERENCES rounds,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (application_id, opportunity_id)
);
CREATE INDEX proposals_opportunity ON proposals (opportunity_id, created_at);
