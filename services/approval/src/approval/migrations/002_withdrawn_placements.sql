-- A confirmed placement whose applicant withdraws before it starts is cancelled, not ended.
ALTER TABLE placements DROP CONSTRAINT placements_status_check;
ALTER TABLE placements ADD CONSTRAINT placements_status_check
    CHECK (status IN ('confirmed', 'started', 'ended', 'withdrawn'));
