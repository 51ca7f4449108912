-- One row per (source event, recipient, channel): the unique key is what makes "never twice"
-- hold even if the inbox were bypassed. Status follows GOV.UK Notify.
CREATE TABLE messages (
    id                UUID PRIMARY KEY,
    source_event_id   UUID NOT NULL,
    source_event_type TEXT NOT NULL,
    correlation_id    UUID NOT NULL,
    application_id    UUID,
    recipient_id      TEXT NOT NULL,
    recipient_role    TEXT NOT NULL,
    recipient_user    TEXT,
    recipient_org     TEXT,
    channel           TEXT NOT NULL CHECK (channel IN ('email', 'webhook', 'inbox')),
    template          TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    payload           JSONB NOT NULL DEFAULT '{}'::jsonb,
    status            TEXT NOT NULL DEFAULT 'created' CHECK (status IN
                      ('created', 'sending', 'delivered', 'temporary-failure',
                       'permanent-failure', 'technical-failure')),
    attempts          INT NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    sending_since     TIMESTAMPTZ,
    last_error        TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at      TIMESTAMPTZ,
    read_at           TIMESTAMPTZ,
    UNIQUE (source_event_id, recipient_id, channel)
);
CREATE INDEX messages_due ON messages (next_attempt_at)
    WHERE status IN ('created', 'temporary-failure');
CREATE INDEX messages_sending ON messages (sending_since) WHERE status = 'sending';
CREATE INDEX messages_recipient ON messages (recipient_id, created_at DESC);

-- Contact directory: applicants' addresses come from ApplicationSubmitted (PII: stays here);
-- HR sets addresses for approvers, hosts and teams.
CREATE TABLE contacts (
    contact_id  TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    name        TEXT,
    source      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One webhook per host organisation; registering again replaces it (and its secret).
CREATE TABLE webhooks (
    id          UUID PRIMARY KEY,
    org_id      TEXT NOT NULL UNIQUE,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Token bucket per (recipient, channel), shared by every instance of the service.
CREATE TABLE rate_buckets (
    recipient_id TEXT NOT NULL,
    channel      TEXT NOT NULL,
    tokens       DOUBLE PRECISION NOT NULL,
    at_epoch     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (recipient_id, channel)
);
