-- A round's report is rebuilt from the events that name its round id (RoundMatched, and the
-- round's MatchProposed and NoMatchFound): find them without reading the whole log.
CREATE INDEX events_round ON events ((payload->>'round_id'), event_type)
    WHERE payload ? 'round_id';
-- The opportunities a round offered, by id, for their sector, region and scheme.
CREATE INDEX events_opportunity ON events ((payload->>'opportunity_id'), seq)
    WHERE topic = 'opportunities';
