"""Use case: HR's cohort round over every waiting application and every open place."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from contracts import Event, NoMatchFound
from matching import domain, rounds
from matching import repository as repo
from matching.convert import explanation_json, to_applicant, to_opportunity
from matching.handlers import PRODUCER, Matching, open_on, proposal_event


@dataclass(frozen=True)
class RoundOutcome:
    round_id: uuid.UUID
    report: dict[str, Any]


async def run_cohort_round(pool: asyncpg.Pool, matching: Matching, requested_by: str,
                           minimums: tuple[rounds.Minimum, ...] = ()) -> RoundOutcome:
    round_id = uuid.uuid4()
    params = {"minimum_shares": [m.__dict__ for m in minimums],
              "top_k": matching.settings.round_top_k}
    started = time.perf_counter()
    with _no_cyclic_gc():
        report = await _round_in_transaction(pool, matching, round_id, requested_by, params,
                                             minimums, started)
    return RoundOutcome(round_id, report)


async def _round_in_transaction(pool: asyncpg.Pool, matching: Matching, round_id: uuid.UUID,
                                requested_by: str, params: dict[str, Any],
                                minimums: tuple[rounds.Minimum, ...],
                                started: float) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.transaction():
        await repo.lock_capacity(conn)
        await repo.insert_round(conn, round_id, requested_by, params)
        rules = matching.rules()
        app_rows = await repo.waiting_applications(conn)
        opp_rows = [r for r in await repo.open_opportunities(conn) if open_on(r["data"], rules)]
        excluded = await repo.tried_pairs_of_waiting(conn)
        loaded = time.perf_counter()
        # CPU-bound: off the event loop so consumers and HTTP keep answering meanwhile.
        rows, events, report = await asyncio.to_thread(
            _compute, app_rows, opp_rows, rules, matching.settings.round_top_k, minimums,
            excluded, round_id)
        outbox_rows = await asyncio.to_thread(repo.outbox_rows, matching.outbox, events)
        computed = time.perf_counter()
        await repo.save_round_proposals(conn, rows)
        saved = time.perf_counter()
        await repo.bulk_outbox(conn, outbox_rows)
        report["seconds"] = {"load": round(loaded - started, 3),
                             "compute": round(computed - loaded, 3),
                             "save_proposals": round(saved - computed, 3),
                             "outbox": round(time.perf_counter() - saved, 3)}
        await repo.finish_round(conn, round_id, report)
    return report


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A round allocates hundreds of thousands of acyclic objects on top of a large live heap;
    the cyclic collector's repeated full passes cost about a third of the round. Reference
    counting still frees everything; one collection runs at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute(app_rows: list[asyncpg.Record], opp_rows: list[asyncpg.Record],
             rules: domain.Rules, k: int, minimums: tuple[rounds.Minimum, ...],
             excluded: frozenset[tuple[str, str]], round_id: uuid.UUID
             ) -> tuple[list[tuple], list[Event], dict[str, Any]]:
    apps = {str(r["application_id"]): r for r in app_rows}
    opps = {str(r["opportunity_id"]): r for r in opp_rows}
    result = rounds.run_round(
        [to_applicant(r["data"]) for r in app_rows],
        [to_opportunity(r["data"], r["capacity"] - r["places_held"]) for r in opp_rows],
        rules, k, minimums, excluded)
    rows: list[tuple] = []
    events: list[Event] = []
    for a, o in result.pairs():
        explanation = domain.explain(a, o, rules)
        expl = explanation_json(explanation)
        app, opp = apps[a.id], opps[o.id]
        match_id = uuid.uuid4()
        rows.append((match_id, app["application_id"], opp["opportunity_id"], explanation.score,
                     expl, round_id))
        events.append(proposal_event(match_id, app, opp["data"], explanation, expl, round_id,
                                     None))
    for i, reason in sorted(result.unmatched_reasons.items()):
        app = apps[result.applicants[i].id]
        events.append(NoMatchFound(producer=PRODUCER, correlation_id=app["correlation_id"],
                                   application_id=app["application_id"],
                                   applicant_id=app["applicant_id"], scheme=app["scheme"],
                                   reasons=(reason,), round_id=round_id))
    report = rounds.report(result, [o.places for o in result.opportunities])
    report["round_id"] = str(round_id)
    return rows, events, report
