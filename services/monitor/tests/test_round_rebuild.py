"""The monitor's own round check, on hand-built round events: it finds a blocking pair, a
place over capacity, excuses a pair a target held apart, and spots a list the round's events
do not follow."""

from monitor.rounds.rebuild import as_submitted, check


def proposed(app: str, opp: str, lst: list[tuple[str, int]]) -> dict:
    return {"event_type": "MatchProposed", "application_id": app, "opportunity_id": opp,
            "round_list": [{"opportunity_id": o, "priority": p} for o, p in lst]}


def unmatched(app: str, lst: list[tuple[str, int]]) -> dict:
    return {"event_type": "NoMatchFound", "application_id": app,
            "round_list": [{"opportunity_id": o, "priority": p} for o, p in lst]}


def test_a_higher_priority_applicant_left_out_is_a_blocking_pair():
    fair = [proposed("a", "o", [("o", 9)]), unmatched("b", [("o", 5)])]
    assert check(1, fair, {"o": 1}, [])["stable"]
    unfair = [proposed("a", "o", [("o", 5)]), unmatched("b", [("o", 9)])]
    result = check(1, unfair, {"o": 1}, [])
    assert (result["stable"], result["blocking_pairs"], result["pairs_checked"]) == (False, 1, 1)


def test_a_pair_a_target_held_apart_may_block_and_a_full_place_may_not_overflow():
    moved = [proposed("a", "p", [("o", 9), ("p", 1)]), unmatched("b", [])]
    held = [{"held_apart": [{"application_id": "a", "opportunity_id": "o"}]}]
    result = check(1, moved, {"o": 1, "p": 1}, held)
    assert result["stable"] and result["blocking_pairs_held_apart"] == 1
    crowded = [proposed("a", "o", [("o", 1)]), proposed("b", "o", [("o", 2)])]
    assert check(1, crowded, {"o": 1}, [])["places_over_capacity"] == 1


def test_lists_out_of_their_submitted_order_are_contradicted():
    outcomes = [proposed("a", "o", [("o", 7), ("p", 3)])]
    kept = [{"event_type": "RankingSubmitted", "application_id": "a",
             "opportunity_ids": ["o", "x", "p"]}]
    assert as_submitted(outcomes, kept, {"o", "p"}) == {"lists_checked": 1,
                                                        "lists_contradicted": 0}
    turned = [{"event_type": "RankingSubmitted", "application_id": "a",
               "opportunity_ids": ["p", "o"]},
              {"event_type": "HostRankingSubmitted", "opportunity_id": "o",
               "ranked_application_ids": [], "excluded": [{"application_id": "a"}]}]
    assert as_submitted(outcomes, turned, {"o", "p"}) == {"lists_checked": 2,
                                                          "lists_contradicted": 2}
