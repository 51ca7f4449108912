-- The placement a confirmed proposal became (from PlacementConfirmed), so a host's candidate
-- list links to the placement it manages. Matching's own read model: no new event needed.
ALTER TABLE proposals ADD COLUMN placement_id UUID;
