-- What messages need to say in words, kept from events this service reads: an opportunity's
-- title and host (topic `opportunities`), and which opportunity a match (and so an approval
-- case) is about (topic `matches`). No personal data: names of people never land here.
CREATE TABLE opportunity_facts (
    opportunity_id UUID PRIMARY KEY,
    host_org_id    TEXT NOT NULL,
    host_name      TEXT NOT NULL,
    title          TEXT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE match_facts (
    match_id       UUID PRIMARY KEY,
    application_id UUID NOT NULL,
    opportunity_id UUID NOT NULL,
    proposed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX match_facts_application ON match_facts (application_id, proposed_at DESC);
