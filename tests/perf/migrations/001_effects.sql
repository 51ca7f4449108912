-- The bench's stand-in service state: one row per applied effect (what a real handler writes).
CREATE TABLE IF NOT EXISTS bench_effects (
    id          BIGSERIAL PRIMARY KEY,
    event_id    UUID NOT NULL,
    detail      TEXT NOT NULL
);
