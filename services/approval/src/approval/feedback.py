"""Each party's own feedback on a placement once it has ended: the placee, the host and the
releasing employer (the applicant's employer or department named on the application) answer
the same structured questions, once each, plus optional free text. The answers travel as
`PlacementFeedbackGiven` for evaluation; the free text is personal data and stays here (the
applicant's erasure clears it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
from shared.errors import Conflict, Forbidden
from shared.outbox import Outbox

from approval import lifecycle, placement_sql
from approval.conflicts import when
from approval.domain import Party, Who
from contracts import FeedbackAnswers, FeedbackParty, PlacementFeedbackGiven
from shared import erasure

SIDE = {Party.PLACEE: FeedbackParty.PLACEE, Party.HOST: FeedbackParty.HOST,
        Party.EMPLOYER: FeedbackParty.RELEASING_EMPLOYER}
WORDS = {FeedbackParty.PLACEE: "the placee", FeedbackParty.HOST: "the host",
         FeedbackParty.RELEASING_EMPLOYER: "the releasing employer"}


@dataclass(frozen=True)
class Feedback:
    answers: FeedbackAnswers
    comments: str | None = None


def side_of(party: Party) -> FeedbackParty:
    if party not in SIDE:
        raise Forbidden("HR does not give placement feedback: the placee, the host and the "
                        "releasing employer each give their own", "placement_id")
    return SIDE[party]


async def give(conn: asyncpg.Connection, outbox: Outbox, placement_id: uuid.UUID, who: Who,
               feedback: Feedback) -> FeedbackParty:
    """Record the caller's own side's feedback; returns that side."""
    row, party = await lifecycle.view(conn, placement_id, who)
    side = side_of(party)
    if row["status"] != "ended":
        raise Conflict(f"feedback can be given once the placement has ended; it is "
                       f"{row['status']}", "status")
    # An ended placement never changes again, so no row lock; the erasure's shared lock holds
    # an erasure off until this commits (and after it, nothing about the person is written).
    if await erasure.is_erased(conn, row["applicant_id"]):
        raise Conflict("the applicant's personal data has been erased: feedback on this "
                       "placement can no longer be given", "placement_id")
    event = PlacementFeedbackGiven(**lifecycle.placement_ref(row), sector=row["sector"],
                                   party=side, given_by=who.id, answers=feedback.answers)
    given = await placement_sql.insert_feedback(conn, {
        "placement_id": row["id"], "party": side.value, "given_by": who.id,
        **feedback.answers.model_dump(), "comments": feedback.comments,
        "event_id": event.event_id})
    if not given:
        raise await _already_given(conn, row["id"], side)
    await outbox.add(conn, event)
    return side


async def _already_given(conn: asyncpg.Connection, placement_id: uuid.UUID,
                         side: FeedbackParty) -> Conflict:
    first = (await placement_sql.feedback(conn, placement_id, [side.value]))[0]
    return Conflict(f"feedback from {WORDS[side]} was already given by {first['given_by']} "
                    f"{when(first['given_at'])}; the first one stands", "party")


async def visible(conn: asyncpg.Connection, placement_id: uuid.UUID,
                  who: Who) -> list[asyncpg.Record]:
    """HR sees every party's feedback; a party sees its own."""
    _, party = await lifecycle.view(conn, placement_id, who)
    only = None if party is Party.HR else [side_of(party).value]
    return await placement_sql.feedback(conn, placement_id, only)
