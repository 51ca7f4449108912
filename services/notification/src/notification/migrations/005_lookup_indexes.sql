-- The look-ups made once per applicant (filling in a name once its sealed copy is opened) and
-- once per approval reminder (who was asked at that stage) read the whole table without these:
-- at 70,000 messages a third of a second each, on the same two cores as the delivery worker,
-- whose rate fell as the table grew.
CREATE INDEX messages_to_user ON messages (recipient_user) WHERE recipient_user IS NOT NULL;
CREATE INDEX messages_about_applicant ON messages ((payload->'event'->>'applicant_id'))
    WHERE payload->'event'->>'applicant_id' IS NOT NULL;
CREATE INDEX messages_approval_stage
    ON messages ((payload->'event'->>'case_id'), created_at DESC)
    WHERE template = 'approval_requested';
