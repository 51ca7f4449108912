-- Integrity after return (approval/conditions.py): the conditions a person carries back when
-- a placement ends, one row per ended placement. The approval service reads them before a
-- stage decision; HR lists those in force.
CREATE TABLE return_conditions (
    placement_id          UUID PRIMARY KEY REFERENCES placements (id),
    application_id        UUID NOT NULL,
    applicant_id          TEXT NOT NULL,
    scheme                TEXT NOT NULL,
    condition_kind        TEXT NOT NULL CHECK (condition_kind IN ('outward', 'inward')),
    former_host_org_id    TEXT NOT NULL,
    organisation_id       TEXT NOT NULL,
    grade                 TEXT,
    ended_on              DATE NOT NULL,
    restricted_until      DATE NOT NULL CHECK (restricted_until > ended_on),
    restricted_decisions  TEXT[] NOT NULL DEFAULT '{}',
    confidentiality       TEXT,
    recorded_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A decision looks up the decider's outward conditions for one host.
CREATE INDEX return_conditions_person ON return_conditions (applicant_id, former_host_org_id);
CREATE INDEX return_conditions_until ON return_conditions (restricted_until);

-- The grade an application was made at (from ApplicationSubmitted): the restriction period
-- depends on it. Nothing else of the application is kept here.
CREATE TABLE application_grades (
    application_id  UUID PRIMARY KEY,
    grade           TEXT NOT NULL
);
