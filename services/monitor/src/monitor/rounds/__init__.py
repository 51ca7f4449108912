"""A matching round's report rebuilt from events alone (RoundMatched, the round's
MatchProposed and NoMatchFound, the opportunities' events), with the monitor's own check
that the result has no blocking pair. It must agree with matching's GET /rounds/{id}/report
field by field (tests/platform/test_round_report_agrees.py)."""
