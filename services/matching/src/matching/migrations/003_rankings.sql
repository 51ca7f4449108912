-- Applications whose applicant submitted a list (possibly empty: wants nothing ranked);
-- the others propose down their best feasible opportunities by score in a round.
CREATE TABLE ranked_applications (
    application_id  UUID PRIMARY KEY REFERENCES applications,
    submitted_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Applicants' rank order lists: one row per choice, `position` 1 = most wanted. A new list
-- replaces the old one. Indexed by opportunity: hosts rank those who ranked them.
CREATE TABLE choices (
    application_id  UUID NOT NULL REFERENCES applications,
    opportunity_id  UUID NOT NULL REFERENCES opportunities,
    position        INT NOT NULL CHECK (position >= 1),
    submitted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, opportunity_id),
    UNIQUE (application_id, position)
);
CREATE INDEX choices_opportunity ON choices (opportunity_id);

-- Hosts' rankings of the candidates who ranked them: a position, or an exclusion with its
-- reason. Candidates in neither follow in the order of their explained score.
CREATE TABLE host_rankings (
    opportunity_id  UUID NOT NULL REFERENCES opportunities,
    application_id  UUID NOT NULL REFERENCES applications,
    position        INT CHECK (position >= 1),
    excluded_reason TEXT,
    ranked_by       TEXT NOT NULL,
    ranked_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (opportunity_id, application_id),
    CHECK ((position IS NULL) <> (excluded_reason IS NULL))
);

-- Every exclusion a host ever made, kept when a later ranking lifts it (audit).
CREATE TABLE exclusion_audit (
    id              BIGSERIAL PRIMARY KEY,
    opportunity_id  UUID NOT NULL,
    application_id  UUID NOT NULL,
    reason          TEXT NOT NULL,
    excluded_by     TEXT NOT NULL,
    excluded_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX exclusion_audit_opportunity ON exclusion_audit (opportunity_id, excluded_at);

-- A round is open for ranking until its deadline ('ranking'), then matched. At most one is
-- open: two HR users starting a round at once get the same one.
-- The timetable HR sets: ranking opens, closes at the deadline, and the round runs by itself
-- on match day (a durable timer: the time is on the row, every instance polls for it);
-- clearing (continuous proposals for what is left) runs from then until a new round opens.
ALTER TABLE rounds
    ADD COLUMN status TEXT NOT NULL DEFAULT 'matched' CHECK (status IN ('ranking', 'matched')),
    ADD COLUMN ranking_opens_at TIMESTAMPTZ,
    ADD COLUMN ranking_deadline TIMESTAMPTZ,
    ADD COLUMN match_at TIMESTAMPTZ,
    ADD COLUMN clearing_from TIMESTAMPTZ,
    ADD COLUMN seed BIGINT;
CREATE INDEX rounds_due ON rounds (match_at) WHERE status = 'ranking';
CREATE UNIQUE INDEX rounds_one_open ON rounds ((true)) WHERE status = 'ranking';

-- HR's stored minimum shares of a round's matches, per region or sector.
CREATE TABLE targets (
    dimension   TEXT NOT NULL CHECK (dimension IN ('region', 'sector')),
    value       TEXT NOT NULL,
    share       DOUBLE PRECISION NOT NULL CHECK (share > 0 AND share <= 1),
    set_by      TEXT NOT NULL,
    set_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dimension, value)
);
