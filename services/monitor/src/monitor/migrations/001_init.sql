-- Append-only log of every event the monitor consumed. seq is the SSE id: rows are inserted
-- under one advisory lock, so seq order is commit order and a reader resuming after seq N
-- can never miss a row that commits later with a smaller seq.
CREATE TABLE events (
    seq            bigserial PRIMARY KEY,
    topic          text        NOT NULL,
    "partition"    integer     NOT NULL,
    "offset"       bigint      NOT NULL,
    event_id       uuid        NOT NULL,
    event_type     text        NOT NULL,
    schema_version integer     NOT NULL,
    producer       text        NOT NULL,
    correlation_id uuid        NOT NULL,
    causation_id   uuid,
    application_id uuid,
    scheme         text,
    sector         text,
    region         text,
    actor          text,
    -- Stored already redacted: the monitor never holds the fields contracts mark as PII.
    payload        jsonb       NOT NULL,
    occurred_at    timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (topic, "partition", "offset")
);
CREATE INDEX events_application ON events (application_id, occurred_at);
CREATE INDEX events_correlation ON events (correlation_id);
CREATE INDEX events_type ON events (event_type, seq);

-- Raw dead letters from every <topic>.dlq, kept byte for byte so a replay is the original.
CREATE TABLE dead_letters (
    id                 bigserial PRIMARY KEY,
    topic              text        NOT NULL,
    "partition"        integer     NOT NULL,
    "offset"           bigint      NOT NULL,
    original_topic     text,
    original_partition integer,
    original_offset    bigint,
    consumer           text,
    reason             text,
    error              text,
    attempts           integer,
    failed_at          timestamptz,
    key                bytea,
    value              bytea       NOT NULL,
    headers            jsonb       NOT NULL DEFAULT '[]',
    received_at        timestamptz NOT NULL DEFAULT now(),
    replayed_at        timestamptz,
    replayed_by        text,
    UNIQUE (topic, "partition", "offset")
);
CREATE INDEX dead_letters_open ON dead_letters (id) WHERE replayed_at IS NULL;
