"""The small-cell rule for record-level data (k-anonymity by local suppression), pure.

A person's *signature* is every quasi-identifying value of every row they have, in every
file. A person whose signature fewer than k people share stands out. Columns are hidden
(`[c]`) for the people who stand out, one column at a time in SUPPRESSION_ORDER, recounting
after each; whoever still stands out once all are hidden is withheld. Afterwards every
signature present is shared by at least k people, which the tests check directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.research.build import Person
from monitor.research.columns import FILES, SUPPRESSED, SUPPRESSION_ORDER

QUASI = {spec.name: spec.quasi_identifiers for spec in FILES}


def signature(person: Person) -> tuple:
    return tuple(sorted((name, tuple(str(row.get(c)) for c in QUASI[name]))
                        for name, rows in person.rows.items() for row in rows))


@dataclass
class Suppressed:
    kept: list[Person]
    withheld: int = 0
    hidden: Counter[str] = field(default_factory=Counter)  # column -> cells hidden


def suppress(persons: Sequence[Person], k: int) -> Suppressed:
    result = Suppressed(list(persons))
    for column in SUPPRESSION_ORDER:
        standing_out = _standing_out(result.kept, k)
        if not standing_out:
            break
        for person in standing_out:
            for row in (r for rows in person.rows.values() for r in rows):
                if column in row:
                    row[column] = SUPPRESSED
    out = {id(p) for p in _standing_out(result.kept, k)}
    result.withheld = len(out)
    result.kept = [p for p in result.kept if id(p) not in out]
    # What a reader of the extract sees hidden (the withheld are not in it at all).
    result.hidden.update(c for p in result.kept for rows in p.rows.values() for r in rows
                         for c, v in r.items() if v == SUPPRESSED)
    return result


def _standing_out(persons: list[Person], k: int) -> list[Person]:
    counts = Counter(signature(p) for p in persons)
    return [p for p in persons if counts[signature(p)] < k]
