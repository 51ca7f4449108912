"""Use cases: applicants' rank order lists and hosts' rankings of those who ranked them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
from shared.errors import Conflict, Invalid, NotFound
from shared.unit_of_work import UnitsOfWork

from contracts import HostRankingSubmitted, MatchDeclined, RankingSubmitted
from matching import domain
from matching import ranking_store as store
from matching import repository as repo
from matching.convert import explanation_json, to_applicant, to_opportunity
from matching.handlers import PRODUCER, Matching, open_on
from matching.opportunities import owned
from matching.ranking_schemas import (
    ExclusionRecord,
    HostRankingIn,
    HostRankingOut,
    RankedCandidate,
    RankingOut,
)
from matching.schemas import CandidateOut

DONE = ("withdrawn", "erased", "confirmed")  # applications whose lists no longer matter


class Rankings:
    def __init__(self, matching: Matching, units: UnitsOfWork) -> None:
        self.matching = matching
        self.units = units

    # --- applicants ----------------------------------------------------------------------

    async def submit(self, applicant_id: str, application_id: uuid.UUID,
                     opportunity_ids: list[uuid.UUID]) -> RankingOut:
        _check_list(opportunity_ids, self.matching.settings.ranking_limit)
        async with self.units() as uow:
            app = await own_application(uow.conn, application_id, applicant_id)
            if app["status"] in DONE:
                raise Conflict(f"application is {app['status']}; its ranking can no longer "
                               "change", "application_id")
            round_ = await _ranking_open(uow.conn)
            rows = await store.opportunities_by_id(uow.conn, opportunity_ids)
            rules = self.matching.rules()
            for n, opportunity_id in enumerate(opportunity_ids):
                _check_choice(n, opportunity_id, rows.get(opportunity_id), app["scheme"], rules)
            await store.replace_choices(uow.conn, application_id, opportunity_ids)
            await uow.publish(RankingSubmitted(
                producer=PRODUCER, correlation_id=app["correlation_id"],
                application_id=application_id, applicant_id=applicant_id, scheme=app["scheme"],
                opportunity_ids=tuple(opportunity_ids),
                round_id=round_["round_id"] if round_ else None))
            return await self._ranking(uow.conn, application_id)

    async def get(self, applicant_id: str, application_id: uuid.UUID) -> RankingOut:
        async with self.units.read() as conn:
            await own_application(conn, application_id, applicant_id)
            return await self._ranking(conn, application_id)

    async def _ranking(self, conn: asyncpg.Connection, application_id: uuid.UUID) -> RankingOut:
        ids, submitted_at = await store.choices_of(conn, application_id)
        round_ = await store.open_round(conn)
        return RankingOut(application_id=application_id, opportunity_ids=ids,
                          submitted_at=submitted_at,
                          limit=self.matching.settings.ranking_limit,
                          round_id=round_["round_id"] if round_ else None,
                          ranking_deadline=round_["ranking_deadline"] if round_ else None)

    # --- hosts ---------------------------------------------------------------------------

    async def rank_candidates(self, host_org_id: str, by: str, opportunity_id: uuid.UUID,
                              body: HostRankingIn) -> HostRankingOut:
        async with self.units() as uow:
            await owned(uow.conn, opportunity_id, host_org_id, for_update=True)
            await _ranking_open(uow.conn)
            rankers = {r["application_id"] for r in await store.rankers_of(uow.conn,
                                                                          opportunity_id)}
            seen: dict[uuid.UUID, str] = {}
            entries = [(f"order.{n}", a) for n, a in enumerate(body.order)] + [
                (f"excluded.{n}.application_id", e.application_id)
                for n, e in enumerate(body.excluded)]
            for field, application_id in entries:
                if application_id in seen:
                    raise Invalid(f"{field}: application {application_id} is already in "
                                  f"{seen[application_id]}", field)
                if application_id not in rankers:
                    raise Invalid(f"{field}: application {application_id} did not rank this "
                                  "opportunity; only candidates who did can be ranked", field)
                seen[application_id] = field
            excluded = [(e.application_id, e.reason) for e in body.excluded]
            await store.replace_host_ranking(uow.conn, opportunity_id, list(body.order),
                                             excluded, by)
            await uow.publish(HostRankingSubmitted(
                producer=PRODUCER, correlation_id=opportunity_id, opportunity_id=opportunity_id,
                host_org_id=host_org_id, ranked_application_ids=tuple(body.order),
                excluded=tuple({"application_id": a, "reason": r} for a, r in excluded)))
            return await self._candidates(uow.conn, opportunity_id)

    async def candidates(self, scope: str | None, opportunity_id: uuid.UUID) -> HostRankingOut:
        async with self.units.read() as conn:
            await owned(conn, opportunity_id, scope)
            return await self._candidates(conn, opportunity_id)

    async def _candidates(self, conn: asyncpg.Connection,
                          opportunity_id: uuid.UUID) -> HostRankingOut:
        """Live candidates who ranked the opportunity, in the order a round uses them: the
        host's order, then the rest by explained score (ties by id here; a round breaks them
        by its seed), then the excluded."""
        row = await repo.get_opportunity(conn, opportunity_id)
        opp = to_opportunity(row["data"], max(1, row["capacity"] - row["places_held"]))
        host = {r["application_id"]: r for r in await store.host_ranking(conn, opportunity_id)}
        rules = self.matching.rules()
        out = []
        for r in await store.rankers_of(conn, opportunity_id):
            if r["status"] in ("withdrawn", "erased"):
                continue
            explanation = domain.explain(to_applicant(r["data"]), opp, rules)
            mine = host.get(r["application_id"])
            blocked = [c.name for c in explanation.checks if not c.passed]
            out.append(RankedCandidate(
                application_id=r["application_id"], applicant_id=r["applicant_id"],
                their_choice=r["choice"], score=round(explanation.score, 6),
                host_position=mine["position"] if mine else None,
                excluded_reason=mine["excluded_reason"] if mine else None,
                eligible=not blocked, blocked_by=blocked,
                explanation=explanation_json(explanation)))
        out.sort(key=_round_order)
        history = [ExclusionRecord(**{k: h[k] for k in ExclusionRecord.model_fields})
                   for h in await store.exclusion_history(conn, opportunity_id)]
        return HostRankingOut(opportunity_id=opportunity_id, candidates=out,
                              exclusion_history=history)


def _round_order(c: RankedCandidate) -> tuple[Any, ...]:
    if c.excluded_reason is not None:
        return (2, 0, str(c.application_id))
    if c.host_position is not None:
        return (0, c.host_position, "")
    return (1, -domain.rank_key(c.score), str(c.application_id))


async def own_application(conn: asyncpg.Connection, application_id: uuid.UUID,
                          applicant_id: str) -> asyncpg.Record:
    """Someone else's application is as good as missing (404)."""
    app = await repo.get_application(conn, application_id)
    if app is None or app["applicant_id"] != applicant_id:
        raise NotFound(f"no application {application_id} of yours here (matching knows an "
                       "application once it has been submitted)", "application_id")
    return app


async def _ranking_open(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """The round open for ranking, if any; 409 before it opens or once its deadline has
    passed."""
    round_ = await store.open_round(conn)
    opens = round_["ranking_opens_at"] if round_ else None
    if opens is not None and opens > datetime.now(UTC):
        raise Conflict(f"ranking for round {round_['round_id']} opens at {opens.isoformat()}",
                       "ranking_opens_at")
    deadline = round_["ranking_deadline"] if round_ else None
    if deadline is not None and deadline <= datetime.now(UTC):
        raise Conflict(f"ranking for round {round_['round_id']} closed at "
                       f"{deadline.isoformat()}; lists can change again once it has run",
                       "ranking_deadline")
    return round_


def _check_list(opportunity_ids: list[uuid.UUID], limit: int) -> None:
    if len(opportunity_ids) > limit:
        raise Invalid(f"opportunity_ids.{limit}: at most {limit} opportunities may be ranked "
                      f"(got {len(opportunity_ids)})", f"opportunity_ids.{limit}")
    first: dict[uuid.UUID, int] = {}
    for n, opportunity_id in enumerate(opportunity_ids):
        if opportunity_id in first:
            raise Invalid(f"opportunity_ids.{n}: opportunity {opportunity_id} is already "
                          f"ranked at position {first[opportunity_id] + 1}",
                          f"opportunity_ids.{n}")
        first[opportunity_id] = n


def _check_choice(n: int, opportunity_id: uuid.UUID, row: asyncpg.Record | None, scheme: str,
                  rules: domain.Rules) -> None:
    field = f"opportunity_ids.{n}"
    if row is None:
        raise Invalid(f"{field}: no opportunity {opportunity_id}", field)
    if row["status"] != "open" or not open_on(row["data"], rules):
        raise Invalid(f"{field}: opportunity {opportunity_id} is closed", field)
    if row["scheme"] != scheme:
        raise Invalid(f"{field}: opportunity {opportunity_id} is in the {row['scheme']} "
                      f"scheme, not the {scheme} scheme of this application", field)


class Declines:
    """An applicant turns down its current proposal (not the whole application)."""

    def __init__(self, matching: Matching, units: UnitsOfWork) -> None:
        self.matching = matching
        self.units = units

    async def decline(self, applicant_id: str, application_id: uuid.UUID,
                      reason: str | None) -> CandidateOut:
        async with self.units() as uow:
            await repo.lock_capacity(uow.conn)
            app = await own_application(uow.conn, application_id, applicant_id)
            live = await repo.live_proposal(uow.conn, application_id)
            if live is None:
                raise NotFound("no live proposal for this application to decline (a confirmed "
                               "placement is withdrawn instead)", "application_id")
            await repo.release_proposal(uow.conn, live["match_id"], "declined by applicant")
            await repo.set_application_status(uow.conn, application_id, "waiting")
            opp = await repo.get_opportunity(uow.conn, live["opportunity_id"])
            event = MatchDeclined(
                producer=PRODUCER, correlation_id=app["correlation_id"],
                match_id=live["match_id"], application_id=application_id,
                opportunity_id=live["opportunity_id"], applicant_id=applicant_id,
                host_org_id=opp["host_org_id"], scheme=app["scheme"], reason=reason)
            await uow.publish(event)
            if await self.matching.continuous(uow.conn):
                # The place goes to the best waiting application; this one to its next best
                # (never this pair again: the proposals table holds it).
                await self.matching.fill_places(uow.conn, live["opportunity_id"], event)
                await self.matching.propose_for(uow.conn, application_id, event)
            row = await store.proposal(uow.conn, live["match_id"])
        return CandidateOut.of(row)
