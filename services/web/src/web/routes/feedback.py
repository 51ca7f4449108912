"""Feedback on an ended placement, each party its own, on one form worded for that party: the
host from their placement's page, the applicant from their application's page, the releasing
employer from their placements (routes/employer.py). Approval keeps one feedback per party and
answers 409 for a second; a placement not yet ended shows no form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import PageNotFound
from web.messages import Problem
from web.pages import Posted, posted, render, see_other, signed_in
from web.routes.apply import uuid_or_404
from web.routes.host import host_user
from web.routes.host_form import humane_date

router = APIRouter()
RATINGS = ("overall", "objectives_met", "skills_value")
FIELDS = (*RATINGS, "would_recommend", "comments")
SCALE = [{"value": str(n), "text": str(n)} for n in range(1, 6)]
# Each party's questions: the same four answers, asked in that party's words.
QUESTIONS: dict[str, dict[str, str]] = {
    "placee": {"overall": "Overall, how well did the placement go for you?",
               "objectives_met": "How well did it meet the objectives agreed for it?",
               "skills_value": "How much did you develop your skills?",
               "would_recommend": "Would you recommend the scheme to a colleague?"},
    "host": {"overall": "Overall, how well did the placement go for your organisation?",
             "objectives_met": "How well did it meet the objectives agreed for it?",
             "skills_value": "How much did the placee's skills help your organisation?",
             "would_recommend": "Would you recommend hosting a placement to another "
                                "organisation?"},
    "releasing_employer": {
        "overall": "Overall, how well did the placement go for your organisation?",
        "objectives_met": "How well did it meet the objectives agreed for it?",
        "skills_value": "How useful are the skills they bring back to your organisation?",
        "would_recommend": "Would you recommend the scheme to other employers?"},
}
UNANSWERED = {"overall": "Select how well the placement went overall",
              "objectives_met": "Select how well it met its objectives",
              "skills_value": "Select how valuable the skills were",
              "would_recommend": "Select yes or no"}


@dataclass(frozen=True)
class Side:
    """Whose feedback a page takes, and where it sits: its placement, the page to go back to
    and the form's own address."""

    party: str
    placement: dict[str, Any]
    back: str
    back_text: str
    action: str


def read_feedback(form: Posted) -> tuple[dict[str, Any], list[Problem]]:
    """The four answers and the comments; a missing answer names its question."""
    body: dict[str, Any] = {}
    problems = form.too_long()
    for name in RATINGS:
        value = form.get(name)
        if value in {s["value"] for s in SCALE}:
            body[name] = int(value)
        else:
            problems.append(Problem(name, UNANSWERED[name]))
    recommend = form.get("would_recommend")
    if recommend in ("yes", "no"):
        body["would_recommend"] = recommend == "yes"
    else:
        problems.append(Problem("would_recommend", UNANSWERED["would_recommend"]))
    body["comments"] = form.get("comments") or None
    return body, problems


def feedback_page(request: Request, side: Side, status_code: int = 200,
                  problems: list[Problem] | None = None, typed: Posted | None = None
                  ) -> Response:
    p = side.placement
    return render(request, "feedback.html", status_code=status_code, problems=problems,
                  typed=typed, side=side, p=p, questions=QUESTIONS[side.party], scale=SCALE,
                  given=side.party in p["feedback_given"], when=humane_date)


async def send_feedback(request: Request, user: dict, side: Side) -> Response:
    """Post the caller's answers to approval; its refusals (already given, not ended, the
    applicant's data erased) show on the form."""
    form = await posted(request)
    body, problems = read_feedback(form)
    if not problems:
        refused = await request.app.state.apis.refusal(
            user, "approval", f"/placements/{side.placement['id']}/feedback", json=body)
        if refused is None:
            return see_other(f"{side.back}?done=feedback")
        problems = [Problem(p.field if p.field in FIELDS else None, p.message)
                    for p in refused.problems]
    return feedback_page(request, side, 422, problems, form)


async def placement_of(request: Request, user: dict, placement_id: str) -> dict[str, Any]:
    """The placement as approval shows it to this person (404 page for anyone else's)."""
    return await request.app.state.apis.call(
        user, "approval", "GET", f"/placements/{uuid_or_404(placement_id)}")


# --- the host, from their placement's page ----------------------------------------------

async def host_side(request: Request, placement_id: str) -> tuple[dict, Side]:
    user = host_user(request)
    p = await placement_of(request, user, placement_id)
    back = f"/host/placements/{p['id']}"
    return user, Side("host", p, back, "Placement", f"{back}/feedback")


@router.get("/host/placements/{placement_id}/feedback")
async def host_form(request: Request, placement_id: str) -> Response:
    _, side = await host_side(request, placement_id)
    return feedback_page(request, side)


@router.post("/host/placements/{placement_id}/feedback")
async def host_send(request: Request, placement_id: str) -> Response:
    user, side = await host_side(request, placement_id)
    return await send_feedback(request, user, side)


# --- the applicant, from their application's page ---------------------------------------

async def own_placement(request: Request, user: dict, application_id: str) -> dict | None:
    """The applicant's own placement for this application, if it has one."""
    found = await request.app.state.apis.call(
        user, "approval", "GET", "/placements",
        params={"application_id": str(uuid_or_404(application_id))})
    return next((p for p in found if p["applicant_id"] == user["sub"]), None)


async def placee_side(request: Request, application_id: str) -> tuple[dict, Side]:
    user = signed_in(request)
    p = await own_placement(request, user, application_id)
    if p is None:
        raise PageNotFound()
    back = f"/applications/{p['application_id']}"
    return user, Side("placee", p, back, "Your application", f"{back}/feedback")


@router.get("/applications/{application_id}/feedback")
async def placee_form(request: Request, application_id: str) -> Response:
    _, side = await placee_side(request, application_id)
    return feedback_page(request, side)


@router.post("/applications/{application_id}/feedback")
async def placee_send(request: Request, application_id: str) -> Response:
    user, side = await placee_side(request, application_id)
    return await send_feedback(request, user, side)
