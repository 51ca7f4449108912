"""A round's report from its events alone. Pure, no I/O.

Written apart from the matching service's code (which the monitor never imports): the counts
are tallied from the round's MatchProposed/NoMatchFound and RoundMatched's places offered,
each target re-counted from the matches, and the blocking-pair check re-done from the lists
the round's events carry. Who an opportunity prefers: the higher priority, and between equal
priorities the applicant with the lower draw blake2b("{seed}:{application id}"), the
round's published tie-break.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from itertools import pairwise
from typing import Any

GROUPS = ("scheme", "sector", "region", "country")


class Incomplete(Exception):
    """Not all the round's events have reached the log yet."""


def rebuild(done: dict[str, Any], outcomes: list[dict[str, Any]],
            opportunities: dict[str, dict[str, Any]],
            lists: list[dict[str, Any]]) -> dict[str, Any]:
    """`done`: RoundMatched; `outcomes`: the round's MatchProposed and NoMatchFound;
    `opportunities`: id -> its latest published/amended payload before the round; `lists`:
    the latest RankingSubmitted and HostRankingSubmitted before it."""
    matched = {o["application_id"]: o for o in outcomes if o["event_type"] == "MatchProposed"}
    waiting = [o for o in outcomes if o["event_type"] == "NoMatchFound"]
    if (len(matched), len(waiting)) != (done["matched"], done["unmatched"]):
        raise Incomplete(f"{len(matched)} of {done['matched']} proposals and {len(waiting)} of "
                         f"{done['unmatched']} unmatched applications logged so far")
    places = {p["opportunity_id"]: p["places"] for p in done.get("offered", [])}
    missing = sorted(set(places) - set(opportunities))
    if missing:
        raise Incomplete(f"opportunities not logged yet: {', '.join(missing[:5])}")
    filled: dict[str, int] = defaultdict(int)
    for m in matched.values():
        filled[m["opportunity_id"]] += 1
    total_places = sum(places.values())
    return {
        "round_id": done["round_id"], "seed": done["seed"],
        "applicants": len(outcomes), "opportunities": len(places), "places": total_places,
        "matched": len(matched), "unmatched": len(waiting),
        "fill_rate": _share(len(matched), total_places),
        **_tables(outcomes, places, filled, opportunities),
        "targets": [_target(t, matched.values()) for t in done.get("targets", [])],
        "verification": {**check(done["seed"], outcomes, places, done.get("targets", [])),
                         **as_submitted(outcomes, lists, set(places))},
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _label(opportunity: dict[str, Any], by: str) -> str:
    if by == "region":
        return opportunity.get("region") or opportunity["country"]
    return opportunity[by]


def _tables(outcomes: list[dict[str, Any]], places: dict[str, int], filled: dict[str, int],
            opportunities: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for by in GROUPS:
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # places, filled
        for opp_id, n in places.items():
            cell = tally[_label(opportunities[opp_id], by)]
            cell[0] += n
            cell[1] += filled.get(opp_id, 0)
        rows = {}
        for label, (offered, taken) in tally.items():
            rows[label] = {by: label, "places": offered, "filled": taken,
                           "unfilled": offered - taken, "fill_rate": _share(taken, offered)}
        if by == "scheme":
            people: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # applicants, matched
            for o in outcomes:
                people[o["scheme"]][0] += 1
                people[o["scheme"]][1] += o["event_type"] == "MatchProposed"
            for label, (applied, placed) in people.items():
                row = rows.setdefault(label, {by: label, "places": 0, "filled": 0,
                                              "unfilled": 0, "fill_rate": 0.0})
                row.update(applicants=applied, matched=placed, unmatched=applied - placed)
            for row in rows.values():
                row.setdefault("applicants", 0)
                row.setdefault("matched", 0)
                row.setdefault("unmatched", 0)
        out[f"by_{by}"] = sorted(rows.values(), key=lambda r: r[by])
    return out


def _target(t: dict[str, Any], matches: Any) -> dict[str, Any]:
    matches = list(matches)
    key = "region" if t["dimension"] == "region" else "sector"
    achieved = sum(1 for m in matches if _label(m, key) == t["value"])
    needed = math.ceil(t["share"] * len(matches) - 1e-9)
    return {"dimension": t["dimension"], "value": t["value"], "share": t["share"],
            "needed": needed, "achieved": achieved,
            "achieved_without_target": t.get("achieved_without_target"),
            "met": achieved >= needed, "bound": t["pairs_held_apart"] > 0,
            "pairs_held_apart": t["pairs_held_apart"],
            "achieved_share": _share(achieved, len(matches)),
            "shortfall": max(0, needed - achieved)}


def _draw(seed: int, application_id: str) -> bytes:
    return hashlib.blake2b(f"{seed}:{application_id}".encode(), digest_size=8).digest()


def check(seed: int, outcomes: list[dict[str, Any]], places: dict[str, int],
          targets: list[dict[str, Any]]) -> dict[str, Any]:
    """The monitor's own blocking-pair check over the lists in the round's events."""
    def standing(application_id: str, priority: int) -> tuple[int, bytes]:
        # higher is better: the priority, then the lower draw (complemented to compare up)
        return priority, bytes(255 - b for b in _draw(seed, application_id))

    held: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
    for o in outcomes:
        if o["event_type"] == "MatchProposed":
            mine = next(c["priority"] for c in o["round_list"] or ()
                        if c["opportunity_id"] == o["opportunity_id"])
            held[o["opportunity_id"]].append(standing(o["application_id"], mine))
    lowest = {opp: min(holders) for opp, holders in held.items()}
    apart = {(p["application_id"], p["opportunity_id"])
             for t in targets for p in t.get("held_apart", [])}
    pairs = blocking = excused = 0
    for o in outcomes:
        at = o.get("opportunity_id") if o["event_type"] == "MatchProposed" else None
        for choice in o.get("round_list") or ():
            opp = choice["opportunity_id"]
            if opp == at:
                break
            pairs += 1
            room = len(held.get(opp, ())) < places.get(opp, 0)
            if room or standing(o["application_id"], choice["priority"]) > lowest[opp]:
                blocking += 1
                excused += (o["application_id"], opp) in apart
    over = sum(len(h) > places.get(opp, 0) for opp, h in held.items())
    return _verdict(pairs, blocking, excused, over)


def as_submitted(outcomes: list[dict[str, Any]], lists: list[dict[str, Any]],
                 offered: set[str]) -> dict[str, int]:
    """Do the lists in the round's events follow the lists submitted? An applicant's must
    keep its submitted order (entries the hard filters cut may be missing); at a ranking
    host's opportunity, its ranked candidates come in its order, above every unranked one,
    and no excluded candidate appears."""
    used = {o["application_id"]: [c["opportunity_id"] for c in o.get("round_list") or ()]
            for o in outcomes}
    at_opportunity: dict[str, dict[str, int]] = defaultdict(dict)
    for o in outcomes:
        for c in o.get("round_list") or ():
            at_opportunity[c["opportunity_id"]][o["application_id"]] = c["priority"]
    checked = contradicted = 0
    for event in lists:
        if event["event_type"] == "RankingSubmitted":
            if event["application_id"] not in used:
                continue
            checked += 1
            position = {o: n for n, o in enumerate(event["opportunity_ids"])}
            mine = used[event["application_id"]]
            places = [position.get(o, -1) for o in mine]
            contradicted += -1 in places or places != sorted(places)
            continue
        excluded = {e["application_id"] for e in event.get("excluded", ())}
        if event["opportunity_id"] not in offered or not (
                excluded or event.get("ranked_application_ids")):
            continue
        checked += 1
        here = at_opportunity.get(event["opportunity_id"], {})
        order = [a for a in event.get("ranked_application_ids", ()) if a in here]
        ranked = [here[a] for a in order]
        others = [p for a, p in here.items() if a not in set(order)]
        falls = all(x > y for x, y in pairwise(ranked))
        above = not ranked or not others or min(ranked) > max(others)
        contradicted += not (falls and above and not excluded & set(here))
    return {"lists_checked": checked, "lists_contradicted": contradicted}


def _verdict(pairs: int, blocking: int, excused: int, over: int) -> dict[str, Any]:
    unexplained = blocking - excused
    return {"pairs_checked": pairs, "blocking_pairs": blocking,
            "blocking_pairs_held_apart": excused, "places_over_capacity": over,
            "stable": not unexplained and not over}
