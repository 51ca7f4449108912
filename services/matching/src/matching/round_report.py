"""A round's published report: counts by scheme, sector, region and country, each target's
outcome, the seed, and a check that the result has no blocking pair. Pure, no I/O.

The figures are computed when the round runs (from its result, in the same transaction) and
kept on the round's row; `published(row)` shapes them for HR, `as_csv` flattens them. The
monitor rebuilds the same report from the round's events alone, so every figure here must be
derivable from them: MatchProposed/NoMatchFound carry each applicant's list as the round used
it, RoundMatched the places offered and the pairs each target held apart.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import pairwise
from typing import Any

from matching.rounds import RoundResult, group_of

GROUPS = ("scheme", "sector", "region", "country")


def figures(result: RoundResult, capacity: list[int], choices: dict[str, list[str]],
            hosts: tuple[dict[str, dict[str, int]], frozenset[tuple[str, str]]]
            ) -> dict[str, Any]:
    """What the round adds to its stored report: the breakdown and the verification."""
    return {"breakdown": _breakdown(result, capacity),
            "verification": {**verify(result, capacity), **submitted(result, choices, *hosts)}}


def _group(o: Any, by: str) -> str:
    if by == "scheme":
        return str(o.scheme)
    if by == "country":
        return o.country
    return group_of(o, by)  # region: the ITL1 region, or the country outside the UK


def _breakdown(result: RoundResult, capacity: list[int]) -> dict[str, list[dict[str, Any]]]:
    filled = Counter(j for j in result.match if j >= 0)
    out: dict[str, list[dict[str, Any]]] = {}
    for by in GROUPS:
        places: Counter[str] = Counter()
        taken: Counter[str] = Counter()
        for j, o in enumerate(result.opportunities):
            places[_group(o, by)] += capacity[j]
            taken[_group(o, by)] += filled[j]
        rows = {g: {by: g, "places": places[g], "filled": taken[g],
                    "unfilled": places[g] - taken[g], "fill_rate": rate(taken[g], places[g])}
                for g in places}
        if by == "scheme":  # applicants belong to a scheme; to no sector or region
            for a, j in zip(result.applicants, result.match, strict=True):
                row = rows.setdefault(str(a.scheme), {"scheme": str(a.scheme), "places": 0,
                                                      "filled": 0, "unfilled": 0,
                                                      "fill_rate": 0.0})
                row["applicants"] = row.get("applicants", 0) + 1
                row["matched"] = row.get("matched", 0) + (j >= 0)
            for row in rows.values():
                row.setdefault("applicants", 0)
                row.setdefault("matched", 0)
                row["unmatched"] = row["applicants"] - row["matched"]
        out[by] = [rows[g] for g in sorted(rows)]
    return out


def rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def verify(result: RoundResult, capacity: list[int]) -> dict[str, Any]:
    """Every pair an applicant ranked above its match (or anywhere, when unmatched) is
    checked: it blocks when the opportunity has a free place or holds someone it ranks below
    the applicant (its priority; equal priorities by the seed's lottery, the applicants'
    order in the result). Pairs a target held apart may block; no other may."""
    n = len(result.applicants)
    filled = Counter(j for j in result.match if j >= 0)
    worst: dict[int, tuple[int, int]] = {}  # opportunity -> its least wanted holder
    for a, j in enumerate(result.match):
        if j >= 0:
            at = result.prefs[a].index(j)
            mine = (result.pref_keys[a][at], n - a)
            worst[j] = min(worst.get(j, mine), mine)
    apart = set(result.held_apart)
    # plain lists, not a Counter and a dict: the loop below visits every ranked pair
    room = [filled[j] < c for j, c in enumerate(capacity)]
    lowest = [worst.get(j, (0, 0)) for j in range(len(capacity))]
    checked = blocking = allowed = 0
    for a, (ps, ks, mine) in enumerate(zip(result.prefs, result.pref_keys, result.match,
                                           strict=True)):
        for j, key in zip(ps, ks, strict=True):
            if j == mine:
                break
            checked += 1
            if room[j] or (key, n - a) > lowest[j]:
                blocking += 1
                allowed += (a, j) in apart
    over = sum(1 for j, k in filled.items() if k > capacity[j])
    return verdict(checked, blocking, allowed, over)


def verdict(checked: int, blocking: int, allowed: int, over: int) -> dict[str, Any]:
    """The check's figures; stable when no pair blocks but those a target held apart."""
    return {"pairs_checked": checked, "blocking_pairs": blocking,
            "blocking_pairs_held_apart": allowed, "places_over_capacity": over,
            "stable": blocking == allowed and over == 0}


def submitted(result: RoundResult, choices: dict[str, list[str]],
              host_order: dict[str, dict[str, int]],
              host_excluded: frozenset[tuple[str, str]]) -> dict[str, int]:
    """The lists the round used against the lists submitted: each applicant's in its own
    order (less what the hard filters cut), each ranking host's candidates in its order above
    the rest, nobody it excluded. Counts the submitted lists checked and those contradicted."""
    ids = [o.id for o in result.opportunities]
    barred = {o for _, o in host_excluded}
    # per opportunity index: {application: priority} where a host ranked, else None (the
    # rest need none); by index, as the lists hold them: no id to hash per listed pair
    ranks: list[dict[str, int] | None] = [{} if o in host_order or o in barred else None
                                          for o in ids]
    any_ranked = any(seen is not None for seen in ranks)
    checked = contradicted = 0
    for a, ps, ks in zip(result.applicants, result.prefs, result.pref_keys, strict=True):
        for j, k in zip(ps, ks, strict=True) if any_ranked else ():
            seen = ranks[j]
            if seen is not None:
                seen[a.id] = k
        wanted = choices.get(a.id)
        if wanted is not None:
            checked += 1
            remaining = iter(wanted)
            contradicted += not all(ids[j] in remaining for j in ps)  # a subsequence
    for o, seen in zip(ids, ranks, strict=True):
        if seen is None:
            continue
        checked += 1
        order = host_order.get(o, {})
        ranked = [seen[a] for a in sorted(order, key=order.__getitem__) if a in seen]
        rest = [k for a, k in seen.items() if a not in order]
        contradicted += (any(x <= y for x, y in pairwise(ranked))
                         or bool(ranked and rest and min(ranked) <= max(rest))
                         or any((a, o) in host_excluded for a in seen))
    return {"lists_checked": checked, "lists_contradicted": contradicted}


def published(round_id: str, seed: int | None, report: dict[str, Any]) -> dict[str, Any]:
    """The report HR reads (JSON), from the figures stored on the round's row."""
    matched = report["matched"]
    return {
        "round_id": round_id, "seed": seed, "applicants": report["applicants"],
        "opportunities": report["opportunities"], "places": report["places"],
        "matched": matched, "unmatched": report["unmatched"],
        "fill_rate": rate(matched, report["places"]),
        **{f"by_{by}": report.get("breakdown", {}).get(by, []) for by in GROUPS},
        "targets": [target_row(t, matched) for t in report.get("targets", [])],
        "verification": report.get("verification"),
    }


TARGET_FIELDS = ("dimension", "value", "share", "needed", "achieved", "achieved_without_target",
                 "met", "bound", "pairs_held_apart")


def target_row(t: dict[str, Any], matched: int) -> dict[str, Any]:
    row = {k: t.get(k) for k in TARGET_FIELDS}
    row["achieved_share"] = rate(t["achieved"], matched)
    row["shortfall"] = max(0, t["needed"] - t["achieved"])
    return row


def as_csv(report: dict[str, Any]) -> str:
    """One row per figure: section, group, measure, value (a tidy table any sheet reads)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "group", "measure", "value"])
    for key in ("round_id", "seed", "applicants", "opportunities", "places", "matched",
                "unmatched", "fill_rate"):
        writer.writerow(["round", "", key, report[key]])
    for by in GROUPS:
        for row in report[f"by_{by}"]:
            for measure, value in row.items():
                if measure != by:
                    writer.writerow([f"by_{by}", row[by], measure, value])
    for t in report["targets"]:
        for measure, value in t.items():
            if measure not in ("dimension", "value"):
                writer.writerow(["target", f"{t['dimension']}:{t['value']}", measure, value])
    for measure, value in (report["verification"] or {}).items():
        writer.writerow(["verification", "", measure, value])
    return out.getvalue()
