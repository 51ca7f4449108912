"""Minimum shares (targets) in a round: pairs held apart to move holders into a short group.
Pure, no I/O.

A target asks that at least `share` of the round's matches be at opportunities of one region
(or country) or one sector. Deferred acceptance alone cannot raise a group's share: only
applicants matched outside the group who also ranked, lower down, a group opportunity with a
free place can be moved there. So, while a target is unmet:

1. among those applicants, the ones their current opportunity ranks lowest are picked, as
   many as the target is short; a pick that would leave another target's group is skipped
   when that target would fall short, unless a group opportunity with room on its list is
   in that group too;
2. each picked applicant and its current opportunity are held apart (the pair is taken off
   the applicant's list) and deferred acceptance runs again: the applicant proposes further
   down its list, and its old place goes to whoever is next in that host's order.

If a pass does not raise the group's matches it is undone, and the target is reported as not
feasible. The result is stable with respect to the lists less the pairs held apart, so a
blocking pair can only be a pair held apart; the report lists them per target (`bound` is
true when the target changed the result). Where no target binds, the round is exactly the
plain one: stable, applicant-optimal and strategy-proof for applicants. Where one binds,
those guarantees hold only for the lists less the held-apart pairs.

Clearing (clearing.py) honours the same targets with this same rule, counting the matches
made before it (the round's and earlier clearing's, still held) as a `Baseline`: the share
is of all of them, and only the pass's own applicants can be moved.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matching.rounds import Minimum, deferred_acceptance, group_of

if TYPE_CHECKING:
    from matching.rounds import RoundResult

MAX_PASSES = 30


@dataclass(frozen=True)
class Baseline:
    """Matches made before this pass that count towards the shares: in all, and per target."""

    matched: int = 0
    in_group: dict[Minimum, int] = field(default_factory=dict)


def needed(share: float, total: int) -> int:
    return math.ceil(share * total - 1e-9)


def honour(result: RoundResult, capacity: list[int], minimums: tuple[Minimum, ...],
           base: Baseline | None = None) -> None:
    """Changes result.match; records the pairs held apart and each target's outcome."""
    base = base or Baseline()
    member = {m: [group_of(o, m.dimension) == m.value for o in result.opportunities]
              for m in minimums}
    before = {m: _count(result.match, member[m]) for m in minimums}
    prefs, keys = list(result.prefs), list(result.pref_keys)
    apart: dict[Minimum, list[tuple[int, int]]] = {m: [] for m in minimums}
    for m in minimums:
        for _ in range(MAX_PASSES):
            have = _count(result.match, member[m])
            short = (needed(m.share, base.matched + _matched(result.match))
                     - base.in_group.get(m, 0) - have)
            if short <= 0:
                break
            picks = _picks(result.match, prefs, keys, capacity, member, m, minimums, short,
                           base)
            if not picks:
                break
            trial_prefs, trial_keys = list(prefs), list(keys)
            for a, j in picks:
                at = trial_prefs[a].index(j)
                trial_prefs[a] = trial_prefs[a][:at] + trial_prefs[a][at + 1:]
                trial_keys[a] = trial_keys[a][:at] + trial_keys[a][at + 1:]
            match = deferred_acceptance(trial_prefs, trial_keys, capacity)
            if _count(match, member[m]) <= have:
                break  # no progress: this pass is undone
            prefs, keys, result.match = trial_prefs, trial_keys, match
            apart[m] += picks
    result.held_apart = [p for m in minimums for p in apart[m]]
    _record(result, member, before, apart, minimums, base)


def _record(result: RoundResult, member: dict[Minimum, list[bool]], before: dict[Minimum, int],
            apart: dict[Minimum, list[tuple[int, int]]], minimums: tuple[Minimum, ...],
            base: Baseline) -> None:
    total = base.matched + _matched(result.match)
    for m in minimums:
        have = base.in_group.get(m, 0) + _count(result.match, member[m])
        need = needed(m.share, total)
        result.targets.append({
            "dimension": m.dimension, "value": m.value, "share": m.share, "needed": need,
            "achieved": have, "achieved_without_target": base.in_group.get(m, 0) + before[m],
            "met": have >= need,
            "bound": bool(apart[m]), "pairs_held_apart": len(apart[m]),
            "held_apart": [{"application_id": result.applicants[a].id,
                            "opportunity_id": result.opportunities[j].id} for a, j in apart[m]]})
        if have < need:
            result.shortfalls.append(
                f"{m.dimension} {m.value}: minimum share {m.share:.1%} not feasible; achieved "
                f"{have} of {total} matches ({have / total if total else 0:.1%}); no more "
                f"applicants who ranked a place there with room")
    result.moves = len(result.held_apart)


def _matched(match: list[int]) -> int:
    return sum(1 for j in match if j >= 0)


def _count(match: list[int], in_group: list[bool]) -> int:
    return sum(1 for j in match if j >= 0 and in_group[j])


def _picks(match: list[int], prefs: list[list[int]], keys: list[list[int]],
           capacity: list[int], member: dict[Minimum, list[bool]], target: Minimum,
           minimums: tuple[Minimum, ...], short: int,
           base: Baseline) -> list[tuple[int, int]]:
    """Up to `short` (applicant, its opportunity) pairs to hold apart, lowest-ranked first."""
    in_group = member[target]
    used = Counter(j for j in match if j >= 0)
    room = [g and used[j] < capacity[j] for j, g in enumerate(in_group)]
    total = base.matched + _matched(match)
    tight = [m for m in minimums if m != target and base.in_group.get(m, 0)
             + _count(match, member[m]) - 1 < needed(m.share, total)]
    candidates = []
    for a, j in enumerate(match):
        if j < 0 or in_group[j]:
            continue
        # a move must land somewhere that keeps each tight target's count: in its group too,
        # when it leaves that group
        leaving = [m for m in tight if member[m][j]]
        at = prefs[a].index(j)
        if any(room[o] and all(member[m][o] for m in leaving) for o in prefs[a][at + 1:]):
            candidates.append((keys[a][at], a, j))
    return [(a, j) for _, a, j in sorted(candidates)[:short]]
