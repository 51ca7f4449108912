-- Outcome measurement: the baseline, consent and home region given at application, and the
-- follow-ups asked 6 and 12 months after leaving the scheme (durable timers, see
-- applicant.outcome_timers). Answers are structured (no free text).
ALTER TABLE applications
    ADD COLUMN home_region       JSONB,     -- {"itl1", "itl2", "basis"}
    ADD COLUMN baseline          JSONB,     -- {"skills_confidence": {...}, "intention"}
    ADD COLUMN follow_up_consent BOOLEAN;   -- null: not asked (an older client)

CREATE TABLE follow_ups (
    id             UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES applications (id),
    applicant_id   TEXT NOT NULL,
    scheme         TEXT NOT NULL,
    cohort         TEXT NOT NULL CHECK (cohort IN ('placed', 'comparison')),
    left_because   TEXT NOT NULL,
    kind           INT NOT NULL CHECK (kind IN (6, 12)),
    left_on        DATE NOT NULL,
    due_on         DATE NOT NULL,
    answer_by      DATE NOT NULL,
    -- open: waiting for its moment or an answer; cancelled: the person went back into the
    -- process; erased: the applicant was erased (never asked again, answers dropped)
    state          TEXT NOT NULL DEFAULT 'open'
                   CHECK (state IN ('open', 'answered', 'lapsed', 'cancelled', 'erased')),
    attempts       INT NOT NULL DEFAULT 0,    -- emails sent (invitation, then reminders)
    next_at        TIMESTAMPTZ,               -- the timer: null when nothing more is due
    answered_at    TIMESTAMPTZ,
    answers        JSONB,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (application_id, cohort, kind)
);
CREATE INDEX follow_ups_timer ON follow_ups (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX follow_ups_by_applicant ON follow_ups (applicant_id, due_on);
