"""Use case: HR's cohort round over every waiting application and every open place."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import asyncpg
from shared.errors import Conflict, Invalid, NotFound
from shared.outbox import Outbox
from shared.unit_of_work import UnitOfWork, UnitsOfWork

from contracts import NoMatchFound, RoundMatched, TargetOutcome
from matching import domain, round_events, round_report, rounds
from matching import ranking_store as store
from matching import repository as repo
from matching.convert import (
    Explanations,
    proposal_explanation,
    to_applicant,
    to_opportunity,
)
from matching.handlers import PRODUCER, Matching, open_on, proposal_event
from matching.ranking_schemas import TargetsOut
from matching.schemas import MinimumIn, RoundOut

# Rows per written batch: big enough that a batch's round trips are few, small enough that
# the last (written after all building ends) is short. The first batches are smaller still:
# nothing is written while the first one is built.
BATCH = 4_000
FIRST_BATCH = 1_000


class Rounds:
    """HR's cohort rounds: open one for ranking, run one (a single unit of work), list them,
    read one's report; and the stored targets rounds honour."""

    def __init__(self, matching: Matching, units: UnitsOfWork) -> None:
        self.matching = matching
        self.units = units

    async def start(self, requested_by: str, minimums: tuple[rounds.Minimum, ...] | None,
                    seed: int | None = None, timetable: dict[str, datetime | None] | None = None
                    ) -> tuple[RoundOut, bool]:
        """With a timetable (ranking_deadline, optional ranking_opens_at and match_at), opens
        a round for ranking; without, runs the open round (a new one when none is open) now.
        Returns the round and whether this call created it: two HR users starting at once
        get one round (a unique index admits one open round)."""
        timetable = {k: v for k, v in (timetable or {}).items() if v is not None}
        deadline = timetable.get("ranking_deadline")
        if deadline is not None and deadline <= datetime.now(UTC):
            raise Invalid("ranking_deadline: must be in the future", "ranking_deadline")
        round_id = uuid.uuid4()
        params = {"minimum_shares": None if minimums is None else [m.__dict__ for m in minimums],
                  "top_k": self.matching.settings.round_top_k,
                  "ranking_limit": self.matching.settings.ranking_limit}
        chosen = seed if seed is not None else secrets.randbelow(2 ** 53)
        async with self.units() as uow:
            row = await store.open_a_round(uow.conn, round_id, requested_by, params, timetable,
                                           chosen)
        created = row["round_id"] == round_id
        open_until = row["ranking_deadline"]
        if deadline is not None:
            if not created:
                raise Conflict(f"round {row['round_id']} is already open for ranking"
                               + (f" until {open_until.isoformat()}" if open_until else ""),
                               "ranking_deadline")
            return RoundOut.of(row), True
        if open_until is not None and open_until > datetime.now(UTC):
            raise Conflict(f"round {row['round_id']} is open for ranking until "
                           f"{open_until.isoformat()}; it can run after that", "round_id")
        await self.run(row["round_id"], requested_by, minimums)
        return await self.get(row["round_id"]), created

    async def run(self, round_id: uuid.UUID, requested_by: str,
                  minimums: tuple[rounds.Minimum, ...] | None) -> None:
        started = time.perf_counter()
        with without_cyclic_gc():
            async with self.units() as uow:
                await repo.lock_capacity(uow.conn)
                row = await store.lock_round(uow.conn, round_id)
                if row["status"] != "ranking":
                    return  # run by a concurrent start: one round
                if minimums is None:
                    minimums = tuple(rounds.Minimum(t["dimension"], t["value"], t["share"])
                                     for t in await store.targets(uow.conn))
                params = {**row["params"], "minimum_shares": [m.__dict__ for m in minimums],
                          "seed": row["seed"], "run_by": requested_by}
                await _round(uow, self.matching, round_id, params, minimums, row["seed"],
                             started)

    async def listing(self, limit: int, offset: int) -> list[RoundOut]:
        async with self.units.read() as conn:
            return [RoundOut.of(r) for r in await repo.list_rounds(conn, limit, offset)]

    async def get(self, round_id: uuid.UUID) -> RoundOut:
        async with self.units.read() as conn:
            row = await repo.get_round(conn, round_id)
        if row is None:
            raise NotFound(f"no round {round_id}", "round_id")
        return RoundOut.of(row)

    async def set_targets(self, by: str, minimums: list[MinimumIn]) -> TargetsOut:
        async with self.units() as uow:
            await store.replace_targets(uow.conn, [(m.dimension, m.value, m.share)
                                                   for m in minimums], by)
        return await self.targets()

    async def targets(self) -> TargetsOut:
        async with self.units.read() as conn:
            rows = await store.targets(conn)
        return TargetsOut(minimum_shares=[MinimumIn(dimension=r["dimension"], value=r["value"],
                                                    share=r["share"]) for r in rows])


async def _round(uow: UnitOfWork, matching: Matching, round_id: uuid.UUID,
                 params: dict[str, Any], minimums: tuple[rounds.Minimum, ...], seed: int,
                 started: float) -> None:
    conn = uow.conn
    rules = matching.rules()
    app_rows = await repo.waiting_applications(conn)
    # The applications are converted in a worker thread while PostgreSQL answers the rest.
    converting = asyncio.create_task(asyncio.to_thread(
        lambda: [to_applicant(r["data"]) for r in app_rows]))
    try:
        opp_rows = [r for r in await repo.open_opportunities(conn) if open_on(r["data"], rules)]
        excluded = await repo.tried_pairs_of_waiting(conn)
        choices = await store.waiting_choices(conn)
        hosts = await store.all_host_rankings(conn)
    finally:
        applicants = await converting
    loaded = time.perf_counter()
    # CPU-bound: off the event loop so consumers and HTTP keep answering meanwhile.
    result = await asyncio.to_thread(
        _match, applicants, opp_rows, rules, matching.settings.round_top_k, minimums,
        excluded | hosts[1], choices, hosts[0], seed)
    matched = time.perf_counter()
    capacity = [o.places for o in result.opportunities]
    batches = _RoundBatches(app_rows, opp_rows, rules, round_id, matching.outbox, result)
    # The report's figures (the blocking-pair check among them) are worked out while the
    # last batch is written: PostgreSQL's work overlaps Python's, and the figures only go
    # on the round's row at the end.
    report = await _write_pipelined(conn, batches.jobs(result), partial(
        _report, result, capacity, choices, hosts))
    await repo.add_round_places(conn, batches.taken)
    report["round_id"] = str(round_id)
    report["seconds"] = {"load": round(loaded - started, 3),
                         "match": round(matched - loaded, 3),
                         "events_and_writes": round(time.perf_counter() - matched, 3)}
    await store.close_round(conn, round_id, params, report)
    await uow.publish(RoundMatched(
        producer=PRODUCER, correlation_id=round_id, round_id=round_id, seed=seed,
        applicants=report["applicants"], opportunities=report["opportunities"],
        places=report["places"], matched=report["matched"], unmatched=report["unmatched"],
        targets=tuple({k: t[k] for k in TargetOutcome.model_fields} for t in result.targets),
        offered=tuple({"opportunity_id": o.id, "places": o.places}
                      for o in result.opportunities)))


@contextlib.contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """A round allocates hundreds of thousands of acyclic objects on top of a large live heap;
    the cyclic collector's repeated full passes cost about a third of the round. Reference
    counting still frees everything; the collector resumes at the end. The bench times the
    bare algorithm under this too, so the two compare like with like."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _match(applicants: list[domain.Applicant], opp_rows: list[asyncpg.Record],
           rules: domain.Rules, k: int, minimums: tuple[rounds.Minimum, ...],
           excluded: frozenset[tuple[str, str]], choices: dict[str, list[str]],
           host_order: dict[str, dict[str, int]], seed: int) -> rounds.RoundResult:
    return rounds.run_round(
        applicants,
        [to_opportunity(r["data"], r["capacity"] - r["places_held"]) for r in opp_rows],
        rules, k, minimums, excluded, choices, host_order, seed)


def _report(result: rounds.RoundResult, capacity: list[int], choices: dict[str, list[str]],
            hosts: tuple[dict[str, dict[str, int]], frozenset[tuple[str, str]]]
            ) -> dict[str, Any]:
    return {**rounds.report(result, capacity),
            **round_report.figures(result, capacity, choices, hosts)}


T = TypeVar("T")


async def _write_pipelined(conn: asyncpg.Connection, jobs: list[Callable[[], repo.RoundRows]],
                           last: Callable[[], T]) -> T:
    """Each job builds one batch of rows (pure CPU) in a worker thread; the next batch is
    built while this one is written, so Python and PostgreSQL each keep a core busy instead
    of taking turns; `last` runs while the last batch is written. Batches are written in
    order: outbox ids follow the events' order. Returns what `last` returned."""
    if not jobs:
        return await asyncio.to_thread(last)
    built = await asyncio.to_thread(jobs[0])
    for job in [*jobs[1:], last]:
        _, built = await asyncio.gather(repo.save_round_rows(conn, built),
                                        asyncio.to_thread(job))
    return built


class _RoundBatches:
    """A round's proposals and events in batches: MatchProposed for each pair, in pair order,
    then NoMatchFound for each unmatched application, in applicant order."""

    def __init__(self, app_rows: list[asyncpg.Record], opp_rows: list[asyncpg.Record],
                 rules: domain.Rules, round_id: uuid.UUID, outbox: Outbox,
                 result: rounds.RoundResult) -> None:
        self.apps = {str(r["application_id"]): r for r in app_rows}
        self.result = result
        self.index = {a.id: i for i, a in enumerate(result.applicants)}
        self.opps = {str(r["opportunity_id"]): r for r in opp_rows}
        self.rules, self.round_id, self.outbox = rules, round_id, outbox
        self.explanations = Explanations()
        self.taken: dict[uuid.UUID, int] = {}  # places held per opportunity

    def jobs(self, result: rounds.RoundResult) -> list[Callable[[], repo.RoundRows]]:
        pairs = result.pairs()
        for _, o in pairs:
            opportunity_id = self.opps[o.id]["opportunity_id"]
            self.taken[opportunity_id] = self.taken.get(opportunity_id, 0) + 1
        unmatched = [(result.applicants[i].id, reason)
                     for i, reason in sorted(result.unmatched_reasons.items())]
        return ([partial(self._proposals, batch) for batch in _slices(pairs, FIRST_BATCH)]
                + [partial(self._no_matches, batch) for batch in _slices(unmatched, BATCH)])

    def _proposals(self, pairs: list[tuple[domain.Applicant, domain.Opportunity]]
                   ) -> repo.RoundRows:
        rows, events, first = [], [], None
        ids = _uuid4s(2 * len(pairs))
        for n, (a, o) in enumerate(pairs):
            explanation = domain.explain(a, o, self.rules)
            parts = self.explanations.parts_json(explanation)
            app, opp = self.apps[a.id], self.opps[o.id]
            match_id, event_id, round_list = ids[2 * n], ids[2 * n + 1], self._list(a.id)
            rows.append((match_id, app["application_id"], opp["opportunity_id"],
                         explanation.score, proposal_explanation(explanation, parts),
                         self.round_id))
            if first is None:  # through the contract model, as a single proposal's event
                first = proposal_event(match_id, app, opp["data"], explanation,
                                       self.explanations.contract(explanation), self.round_id,
                                       None, round_list, event_id=event_id)
            events.append(round_events.match_proposed(
                event_id, first.occurred_at, PRODUCER, match_id, app, opp, explanation, parts,
                self.round_id, round_list))
        return repo.round_rows(rows, round_events.outbox_rows(self.outbox, events, first))

    def _no_matches(self, unmatched: list[tuple[str, str]]) -> repo.RoundRows:
        at = datetime.now(UTC)
        events = [round_events.no_match_found(event_id, at, PRODUCER, self.apps[application_id],
                                              reason, self.round_id, self._list(application_id))
                  for (application_id, reason), event_id
                  in zip(unmatched, _uuid4s(len(unmatched)), strict=True)]
        first = NoMatchFound.model_validate(events[0][0])
        return repo.round_rows([], round_events.outbox_rows(self.outbox, events, first))

    def _list(self, application_id: str) -> list[dict[str, Any]]:
        """The applicant's list as the round used it, with how each opportunity ranks it."""
        i, opps = self.index[application_id], self.result.opportunities
        return [{"opportunity_id": opps[j].id, "priority": k}
                for j, k in zip(self.result.prefs[i], self.result.pref_keys[i], strict=True)]


def _uuid4s(n: int) -> list[uuid.UUID]:
    """n random (version 4) UUIDs, as uuid.uuid4 makes them, from one read of the system's
    randomness: a batch's ids without a system call (and a GIL hand-off) per id."""
    raw = os.urandom(16 * n)
    return [uuid.UUID(bytes=raw[i:i + 16], version=4) for i in range(0, 16 * n, 16)]


def _slices(items: list, first: int) -> list[list]:
    """Consecutive slices, `first` long and doubling up to BATCH."""
    out, start, size = [], 0, first
    while start < len(items):
        out.append(items[start:start + size])
        start, size = start + size, min(2 * size, BATCH)
    return out
