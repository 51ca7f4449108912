"""Clearing: after match day, the places left go to the applications left waiting, honouring
HR's stored targets the way the round does (targets.py), with the round's matches and
earlier clearing's counted towards each share.

A clearing pass is a round over what is left: each waiting application proposes down its
best feasible opportunities by explained score (its rank list has been tried already), each
opportunity takes the best by score, ties by the round's seed. With no target short, that is
the continuous mode's best-first proposal for each application; a short target moves
applicants into its group exactly as in a round.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import asyncpg

from matching import domain, rounds, targets
from matching import ranking_store as store
from matching import repository as repo
from matching.convert import to_applicant, to_opportunity
from matching.handlers import Matching, open_on


async def clearing_pass(conn: asyncpg.Connection, matching: Matching, round_row: asyncpg.Record,
                        applications: Iterable[uuid.UUID] | None = None,
                        opportunity: uuid.UUID | None = None) -> int:
    """Proposes for the waiting applications (only `applications`, when given) from the open
    places (only `opportunity`'s, when given: a new or freed place); returns how many got a
    place. Caller holds the capacity lock. No NoMatchFound: the caller says what to say."""
    rules = matching.rules()
    wanted = None if applications is None else {str(a) for a in applications}
    app_rows = [r for r in await repo.waiting_applications(conn)
                if wanted is None or str(r["application_id"]) in wanted]
    opp_rows = [r for r in await repo.open_opportunities(conn, only=opportunity)
                if open_on(r["data"], rules)]
    if not app_rows or not opp_rows:
        return 0
    minimums = tuple(rounds.Minimum(t["dimension"], t["value"], t["share"])
                     for t in await store.targets(conn))
    _, host_excluded = await store.all_host_rankings(conn)
    result = rounds.run_round(
        [to_applicant(r["data"]) for r in app_rows],
        [to_opportunity(r["data"], r["capacity"] - r["places_held"]) for r in opp_rows],
        rules, matching.settings.round_top_k, minimums,
        await repo.tried_pairs_of_waiting(conn) | host_excluded, seed=round_row["seed"] or 0,
        base=await _baseline(conn, round_row, minimums))
    apps = {str(r["application_id"]): r for r in app_rows}
    opps = {str(r["opportunity_id"]): r for r in opp_rows}
    for a, o in result.pairs():
        await matching._propose(conn, apps[a.id], opps[o.id], domain.explain(a, o, rules), None)
    return len(result.pairs())


async def _baseline(conn: asyncpg.Connection, round_row: asyncpg.Record,
                    minimums: tuple[rounds.Minimum, ...]) -> targets.Baseline:
    held = [to_opportunity(r["data"], 1)
            for r in await store.held_since(conn, round_row["round_id"],
                                            round_row["clearing_from"])]
    return targets.Baseline(len(held), {
        m: sum(1 for o in held if rounds.group_of(o, m.dimension) == m.value)
        for m in minimums})
