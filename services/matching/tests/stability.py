"""An independent stability check, written apart from the round's code (no import from
matching): plain dictionaries of who ranks whom, and a brute force over every matching for
small cases. Used on the service's results read back from the database."""

from __future__ import annotations

from collections import Counter
from itertools import product


def over_capacity(matching: dict[str, str], capacity: dict[str, int]) -> list[str]:
    taken = Counter(matching.values())
    return sorted(o for o, n in taken.items() if n > capacity.get(o, 0))


def blocking_pairs(lists: dict[str, list[str]], host_ranks: dict[str, list[str]],
                   capacity: dict[str, int], matching: dict[str, str]) -> list[tuple[str, str]]:
    """(applicant, opportunity) pairs that would both rather have each other: the applicant
    lists the opportunity above its match (or is unmatched), and the opportunity, which
    ranks the applicant, has a free place or holds someone it ranks lower. `matching` holds
    every placed applicant; only those in `lists` are checked as the applicant side."""
    holders: dict[str, list[str]] = {}
    for a, o in matching.items():
        holders.setdefault(o, []).append(a)
    found = []
    for a, wanted in lists.items():
        mine = matching.get(a)
        for o in wanted:
            if o == mine:
                break
            ranking = host_ranks.get(o, [])
            if a not in ranking:
                continue  # the opportunity would not take this applicant at all
            held = holders.get(o, [])
            # a holder who never ranked the opportunity comes after every ranked candidate
            if len(held) < capacity.get(o, 0) or any(
                    h not in ranking or ranking.index(a) < ranking.index(h) for h in held):
                found.append((a, o))
    return found


def stable_matchings(lists: dict[str, list[str]], host_ranks: dict[str, list[str]],
                     capacity: dict[str, int]) -> list[dict[str, str]]:
    """Every stable matching, by trying every assignment (small cases only)."""
    applicants = sorted(lists)
    found = []
    for choice in product(*[[None, *lists[a]] for a in applicants]):
        matching = {a: o for a, o in zip(applicants, choice, strict=True) if o is not None}
        if any(a not in host_ranks.get(o, []) for a, o in matching.items()):
            continue
        if over_capacity(matching, capacity):
            continue
        if not blocking_pairs(lists, host_ranks, capacity, matching):
            found.append(matching)
    return found
