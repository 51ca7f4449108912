-- A stand-in service's state: one row per applied effect, so tests can count effects.
CREATE TABLE IF NOT EXISTS effects (
    id          BIGSERIAL PRIMARY KEY,
    event_id    UUID NOT NULL,
    detail      TEXT NOT NULL
);
