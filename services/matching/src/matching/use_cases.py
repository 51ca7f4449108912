"""The matching service's use cases in one typed container (what its routes depend on)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from shared.unit_of_work import UnitsOfWork

from matching.cohort import Rounds
from matching.handlers import Matching
from matching.opportunities import Opportunities
from matching.rankings import Declines, Rankings


@dataclass(frozen=True)
class MatchingUseCases:
    opportunities: Opportunities
    rounds: Rounds
    rankings: Rankings
    declines: Declines

    @classmethod
    def of(cls, matching: Matching, pool: asyncpg.Pool) -> MatchingUseCases:
        units = UnitsOfWork(pool, matching.outbox)
        return cls(Opportunities(matching, units), Rounds(matching, units),
                   Rankings(matching, units), Declines(matching, units))
