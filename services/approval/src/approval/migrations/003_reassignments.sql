-- Who held a stage before HR reassigned it, and why (the audit trail; the stage row names the
-- approver it has now). A previous approver who tries to decide is told it was reassigned.
CREATE TABLE stage_reassignments (
    id                        BIGSERIAL PRIMARY KEY,
    stage_id                  UUID NOT NULL REFERENCES stages (id),
    previous_approver_org_id  TEXT,
    previous_approver_id      TEXT,
    approver_id               TEXT NOT NULL,
    reassigned_by             TEXT NOT NULL,
    reason                    TEXT NOT NULL,
    reassigned_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stage_reassignments_stage ON stage_reassignments (stage_id, reassigned_at);
-- The task list filters open stages by role and sorts them by deadline.
CREATE INDEX stages_open_due ON stages (due_at) WHERE status = 'open';
