-- A placement's life after it starts: it ends by itself on its end date (a durable timer in the
-- same table and poller as the SLA timers), and each party gives its own feedback once it ends.

-- A timer belongs to a stage (SLA) or to a placement (its planned end), never both.
ALTER TABLE timers ALTER COLUMN stage_id DROP NOT NULL;
ALTER TABLE timers ADD COLUMN placement_id UUID REFERENCES placements (id);
ALTER TABLE timers DROP CONSTRAINT timers_kind_check;
ALTER TABLE timers ADD CONSTRAINT timers_kind_check
    CHECK (kind IN ('reminder', 'escalation', 'expiry', 'placement_end'));
ALTER TABLE timers ADD CONSTRAINT timers_one_subject
    CHECK ((stage_id IS NULL) <> (placement_id IS NULL));
CREATE UNIQUE INDEX timers_placement_kind ON timers (placement_id, kind)
    WHERE placement_id IS NOT NULL;

-- When a placement ends by itself: once its end date is over, at midnight UK time. One
-- definition, used when the timer is set, moved by an extension, and backfilled below.
CREATE FUNCTION placement_end_moment(end_date DATE) RETURNS TIMESTAMPTZ
    LANGUAGE sql STABLE
    AS $$ SELECT ((end_date + 1)::timestamp AT TIME ZONE 'Europe/London') $$;

-- Placements already running when this shipped get their timer too.
INSERT INTO timers (placement_id, kind, fire_at)
SELECT id, 'placement_end', placement_end_moment(end_date) FROM placements
WHERE status = 'started';

-- One feedback per party (placee, host, releasing employer). The answers travel on the stream
-- (PlacementFeedbackGiven); `comments` is free text about a person (personal data): it never
-- leaves this table and the applicant's erasure clears it.
CREATE TABLE placement_feedback (
    placement_id     UUID NOT NULL REFERENCES placements (id),
    party            TEXT NOT NULL CHECK (party IN ('placee', 'host', 'releasing_employer')),
    given_by         TEXT NOT NULL,
    overall          INT NOT NULL CHECK (overall BETWEEN 1 AND 5),
    objectives_met   INT NOT NULL CHECK (objectives_met BETWEEN 1 AND 5),
    skills_value     INT NOT NULL CHECK (skills_value BETWEEN 1 AND 5),
    would_recommend  BOOLEAN NOT NULL,
    comments         TEXT,
    given_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    event_id         UUID NOT NULL,
    PRIMARY KEY (placement_id, party)
);
