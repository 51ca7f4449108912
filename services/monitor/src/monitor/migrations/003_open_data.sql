-- Open data. Each confirmed placement's cell (scheme, sector, area, size band), fixed the
-- first time a release counts it: a later amendment of its opportunity can never move it, so
-- a cell's cumulative count only grows from one release to the next (README, "Open data").
CREATE TABLE open_data_placements (
    application_id uuid        PRIMARY KEY,
    confirmed_at   timestamptz NOT NULL,
    scheme         text        NOT NULL,
    sector         text        NOT NULL,
    area_type      text        NOT NULL,
    area_code      text        NOT NULL,
    size_band      text        NOT NULL,
    attributed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX open_data_placements_confirmed ON open_data_placements (confirmed_at);

-- One row per quarter released: its published cells and the exact text of every file, served
-- byte for byte for ever after.
CREATE TABLE open_data_releases (
    period       text        PRIMARY KEY,
    period_start date        NOT NULL,
    period_end   date        NOT NULL,
    released_at  timestamptz NOT NULL,
    made_by      text        NOT NULL CHECK (made_by IN ('timer', 'hr')),
    requested_by text,
    cells        jsonb       NOT NULL,
    files        jsonb       NOT NULL
);

-- A release is frozen when made: the database itself refuses to change or remove one.
CREATE FUNCTION open_data_release_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'open-data release % is frozen: releases are never changed', OLD.period;
END $$;
CREATE TRIGGER open_data_releases_frozen BEFORE UPDATE OR DELETE ON open_data_releases
    FOR EACH ROW EXECUTE FUNCTION open_data_release_frozen();
