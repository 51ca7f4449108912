"""Use cases. Each runs in one transaction: state change plus its events in the outbox.

Everything that takes or frees a place first takes the capacity lock, so a continuous proposal,
a round and a release never race on the same places.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
from shared.outbox import Outbox

from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApplicationWithdrawn,
    Event,
    MatchProposed,
    NoMatchFound,
    PlacementConfirmed,
    PlacementRejected,
    RejectionReason,
)
from matching import domain, ranking_store
from matching import repository as repo
from matching.config import MatchingSettings
from matching.convert import (
    APPLICATION_FIELDS,
    explanation_contract,
    explanation_json,
    to_applicant,
    to_opportunity,
)
from shared import erasure

PRODUCER = "matching"


class Matching:
    def __init__(self, settings: MatchingSettings, outbox: Outbox) -> None:
        self.settings = settings
        self.outbox = outbox

    async def continuous(self, conn: asyncpg.Connection) -> bool:
        """Continuous proposals: always in continuous mode; in cohort mode during clearing
        (from a timetabled round's match day until the next round opens)."""
        return self.settings.continuous_matching or await ranking_store.clearing(conn)

    def rules(self) -> domain.Rules:
        return domain.Rules(today=datetime.now(UTC).date(),
                            max_length_gap=self.settings.max_length_gap_months,
                            weights=self.settings.weights())

    # --- events in -----------------------------------------------------------------------

    async def on_application_submitted(self, conn: asyncpg.Connection,
                                       event: ApplicationSubmitted | ApplicationSubmittedV2
                                       ) -> None:
        if await erasure.is_erased(conn, event.applicant_id):
            return  # erased before this (late, or replayed) submission arrived: keep nothing
        data = event.model_dump(mode="json", include=set(APPLICATION_FIELDS))
        if not await repo.insert_application(conn, data, event.correlation_id):
            return  # the same application again (a replay under a new event id)
        if await self.continuous(conn):
            await repo.lock_capacity(conn)
            await self.propose_for(conn, event.application_id, event)

    async def on_application_withdrawn(self, conn: asyncpg.Connection,
                                       event: ApplicationWithdrawn) -> None:
        await repo.lock_capacity(conn)
        await self._withdraw(conn, event.application_id, event)

    async def on_placement_rejected(self, conn: asyncpg.Connection,
                                    event: PlacementRejected) -> None:
        await repo.lock_capacity(conn)
        if event.reason == RejectionReason.WITHDRAWN:
            # Also a confirmed placement cancelled before it started: its place comes back.
            if await repo.release_proposal(conn, event.match_id, "withdrawn", confirmed_too=True):
                await self.fill_places(conn, event.opportunity_id, event)
            return await self._withdraw(conn, event.application_id, event)
        if not await repo.release_proposal(conn, event.match_id, f"{event.reason}"):
            return  # already released: a redelivery or an older proposal
        app = await repo.get_application(conn, event.application_id)
        if app is not None and app["status"] == "proposed":
            await repo.set_application_status(conn, event.application_id, "waiting")
            await self.propose_for(conn, event.application_id, event)
        await self.fill_places(conn, event.opportunity_id, event)

    async def on_placement_confirmed(self, conn: asyncpg.Connection,
                                     event: PlacementConfirmed) -> None:
        # A proposal the applicant declined meanwhile stays released: its place has gone
        # back and the application is waiting for another.
        if await repo.confirm_proposal(conn, event.match_id, event.placement_id):
            await repo.set_application_status(conn, event.application_id, "confirmed")

    async def on_applicant_erased(self, conn: asyncpg.Connection, event: ApplicantErased) -> None:
        await erasure.record(conn, event.applicant_id)  # before the capacity lock, as writers do
        await repo.lock_capacity(conn)
        erased = await repo.erase_applicant(conn, event.applicant_id)
        await ranking_store.forget_choices(conn, erased)
        for application_id in erased:
            live = await repo.live_proposal(conn, application_id)
            if live is not None and await repo.release_proposal(conn, live["match_id"],
                                                                "erased"):
                await self.fill_places(conn, live["opportunity_id"], event)

    async def _withdraw(self, conn: asyncpg.Connection, application_id: uuid.UUID,
                        cause: Event) -> None:
        app = await repo.get_application(conn, application_id)
        if app is None or app["status"] in ("withdrawn", "erased"):
            return
        await repo.set_application_status(conn, application_id, "withdrawn")
        live = await repo.live_proposal(conn, application_id)
        if live is not None and await repo.release_proposal(conn, live["match_id"], "withdrawn"):
            await self.fill_places(conn, live["opportunity_id"], cause)

    # --- continuous matching -------------------------------------------------------------

    async def propose_for(self, conn: asyncpg.Connection, application_id: uuid.UUID,
                          cause: Event | None, tell_no_match: bool = True) -> bool:
        """The application's best feasible proposal, never a pair tried before; else
        NoMatchFound with the reasons (unless told not to). Caller holds the capacity lock."""
        app = await repo.get_application(conn, application_id)
        if app is None or app["status"] != "waiting":
            return False
        if await self._cleared(conn, applications=[application_id]):
            return True
        rules = self.rules()
        only = app["data"].get("opportunity_id")
        rows = await repo.open_opportunities(conn, app["scheme"],
                                             uuid.UUID(only) if only else None)
        opps = [to_opportunity(r["data"], r["capacity"] - r["places_held"]) for r in rows
                if open_on(r["data"], rules)]
        applicant = to_applicant(app["data"])
        excluded = await repo.tried_opportunities(conn, application_id)
        best, reasons = domain.best_opportunity(applicant, opps, rules, excluded)
        if best is None:
            if tell_no_match:
                await self.outbox.add(conn, self._no_match(app, reasons, cause))
            return False
        by_id = {str(r["opportunity_id"]): r for r in rows}
        await self._propose(conn, app, by_id[best.id], domain.explain(applicant, best, rules),
                            cause)
        return True

    async def fill_places(self, conn: asyncpg.Connection, opportunity_id: uuid.UUID,
                          cause: Event) -> int:
        """A new or freed place goes to the best waiting applications that fit it."""
        row = await repo.get_opportunity(conn, opportunity_id)
        rules = self.rules()
        if row is None or row["status"] != "open" or not open_on(row["data"], rules):
            return 0
        if (steered := await self._cleared(conn, opportunity=opportunity_id)) is not None:
            return steered
        left = row["capacity"] - row["places_held"]
        if left <= 0:
            return 0
        opp = to_opportunity(row["data"], left)
        tried = await repo.tried_applications(conn, opportunity_id)
        waiting = [r for r in await repo.waiting_applications(conn, row["scheme"])
                   if str(r["application_id"]) not in tried
                   and r["data"].get("opportunity_id") in (None, str(opportunity_id))]
        apps = {str(r["application_id"]): r for r in waiting}
        ranked = domain.ranked_applicants(opp, [to_applicant(r["data"]) for r in waiting], rules)
        for applicant in ranked[:left]:
            await self._propose(conn, apps[applicant.id], row,
                                domain.explain(applicant, opp, rules), cause)
        return min(left, len(ranked))

    async def _cleared(self, conn: asyncpg.Connection, **only: Any) -> int | None:
        """During clearing with stored targets, a proposal goes through a clearing pass (the
        round's target rule, clearing.py): how many it placed, or None outside clearing.
        Nothing placed: the caller's own search then says why (NoMatchFound)."""
        round_row = await ranking_store.clearing_round(conn)
        if round_row is None or not await ranking_store.targets(conn):
            return None
        from matching.clearing import clearing_pass  # it builds on this module

        return await clearing_pass(conn, self, round_row, **only) or None

    async def _propose(self, conn: asyncpg.Connection, app: asyncpg.Record,
                       opp: asyncpg.Record, explanation: domain.Explanation, cause: Event,
                       round_id: uuid.UUID | None = None) -> MatchProposed:
        match_id = uuid.uuid4()
        expl = explanation_json(explanation)
        await repo.insert_proposal(conn, match_id, app["application_id"], opp["opportunity_id"],
                                   explanation.score, expl, round_id)
        await repo.change_places(conn, opp["opportunity_id"], +1)
        await repo.set_application_status(conn, app["application_id"], "proposed")
        event = proposal_event(match_id, app, opp["data"], explanation,
                               explanation_contract(expl), round_id,
                               cause.event_id if cause else None)
        await self.outbox.add(conn, event)
        return event

    def _no_match(self, app: asyncpg.Record, reasons: list[str], cause: Event | None,
                  round_id: uuid.UUID | None = None) -> NoMatchFound:
        return NoMatchFound(producer=PRODUCER, correlation_id=app["correlation_id"],
                            causation_id=cause.event_id if cause else None,
                            application_id=app["application_id"],
                            applicant_id=app["applicant_id"], scheme=app["scheme"],
                            reasons=tuple(r[:2000] for r in reasons[:20]), round_id=round_id)


def proposal_event(match_id: uuid.UUID, app: Any, opp: dict[str, Any],
                   explanation: domain.Explanation,
                   contract: dict[str, Any],
                   round_id: uuid.UUID | None, causation_id: uuid.UUID | None,
                   round_list: list[dict[str, Any]] | None = None,
                   event_id: uuid.UUID | None = None) -> MatchProposed:
    """`contract`: the explanation as the event carries it; its parts plain data or already
    validated models (a round validates each distinct part once). `round_list`: in a round,
    the applicant's list as the round used it. `event_id`: a new one when not given."""
    a = app["data"]
    envelope = {} if event_id is None else {"event_id": event_id}
    return MatchProposed.model_validate({**envelope,
        "producer": PRODUCER, "correlation_id": app["correlation_id"],
        "causation_id": causation_id, "match_id": match_id,
        "application_id": app["application_id"], "opportunity_id": opp["opportunity_id"],
        "applicant_id": app["applicant_id"], "host_org_id": opp["host_org_id"],
        "scheme": opp["scheme"], "sector": opp["sector"], "country": opp["country"],
        "region": opp.get("region"), "start_date": explanation.start_date,
        "length_months": opp["length_months"], "clearance_needed": opp["clearance_needed"],
        "clearance_held": a.get("clearance_held") or "none",
        "organisation_id": a["organisation_id"], "line_manager_id": a.get("line_manager_id"),
        "bcc_chamber_id": opp.get("bcc_chamber_id"), "score": max(explanation.score, 0.0),
        "explanation": contract, "round_id": round_id, "round_list": round_list})


def open_on(data: dict[str, Any], rules: domain.Rules) -> bool:
    return data["closing_date"] >= rules.today.isoformat()
