"""Open data: quarterly, frozen, disclosure-controlled releases of placements (see README)."""
