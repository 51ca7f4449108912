-- Research extracts: the log of every extract (who, when, what, row counts) kept for good,
-- and its files kept only until expires_at (then `files` is set to NULL; the log row stays).
-- The pseudonym key is never stored: two extracts cannot be joined (README, "Research").
CREATE TABLE research_extracts (
    id            uuid        PRIMARY KEY,
    requested_by  text        NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    purpose       text        NOT NULL,
    schemes       text[]      NOT NULL,
    min_group     integer     NOT NULL,
    row_counts    jsonb       NOT NULL,
    suppressed    jsonb       NOT NULL,
    withheld      integer     NOT NULL,
    expires_at    timestamptz NOT NULL,
    files         jsonb
);
CREATE INDEX research_extracts_by ON research_extracts (requested_by, requested_at DESC);

-- KPI targets set by central HR: insert-only, so the history of who set what and when stays.
-- A target holds from its quarter on; for a quarter, the latest target set for it counts.
CREATE TABLE kpi_targets (
    id          bigserial   PRIMARY KEY,
    kpi         text        NOT NULL,
    region      text        NOT NULL DEFAULT '',
    target      numeric     NOT NULL,
    from_period text        NOT NULL,
    set_by      text        NOT NULL,
    set_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kpi_targets_kpi ON kpi_targets (kpi, region, set_at);
