"""Feedback on an ended placement, each party its own, on one form worded for that party: the
host from their placement's page, the applicant from their application's page, the releasing
employer from their placements (routes/employer.py). Approval keeps one feedback per party and
answers 409 for a second; a placement not yet ended shows no form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
    """Whose feedback a page takes, and where it sits: its placement and the page to go back
    to (the form lives below it, at `back`/feedback)."""

    party: str
    placement: dict[str, Any]
    back: str
    back_text: str

    @property
    def action(self) -> str:
        return f"{self.back}/feedback"


SideOf = Callable[[Request, str], Awaitable[tuple[dict, Side]]]


def feedback_routes(router: APIRouter, path: str, side_of: SideOf) -> None:
    """The form (GET) and its answers (POST) at `path` (with `{ref}`), for the person and
    placement `side_of` finds from the request and `ref` (anyone else: the 404 page)."""
    async def show(request: Request, ref: str) -> Response:
        _, side = await side_of(request, ref)
        return feedback_page(request, side)

    async def send(request: Request, ref: str) -> Response:
        form = await posted(request)  # first: a lapsed session keeps what was typed
        user, side = await side_of(request, ref)
        return await send_feedback(request, user, side, form)

    router.add_api_route(path, show, methods=["GET"])
    router.add_api_route(path, send, methods=["POST"])


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


async def send_feedback(request: Request, user: dict, side: Side, form: Posted) -> Response:
    """Post the caller's answers to approval; its refusals (already given, not ended, the
    applicant's data erased) show on the form."""
    body, problems = read_feedback(form)
    problems = await request.app.state.apis.attempt(
        user, "approval", f"/placements/{side.placement['id']}/feedback", body, problems)
    if problems is None:
        return see_other(f"{side.back}?done=feedback")
    # A refusal about no field of this form (already given, not ended) has no link.
    problems = [Problem(p.field if p.field in FIELDS else None, p.message) for p in problems]
    return feedback_page(request, side, 422, problems, form)


async def placement_of(request: Request, user: dict, placement_id: str) -> dict[str, Any]:
    """The placement as approval shows it to this person (404 page for anyone else's)."""
    return await request.app.state.apis.call(
        user, "approval", "GET", f"/placements/{uuid_or_404(placement_id)}")


# --- the host, from their placement's page; the applicant, from their application's ------

async def host_side(request: Request, ref: str) -> tuple[dict, Side]:
    user = host_user(request)
    p = await placement_of(request, user, ref)
    return user, Side("host", p, f"/host/placements/{p['id']}", "Placement")


async def own_placement(request: Request, user: dict, application_id: str) -> dict | None:
    """The applicant's own placement for this application, if it has one."""
    found = await request.app.state.apis.call(
        user, "approval", "GET", "/placements",
        params={"application_id": str(uuid_or_404(application_id))})
    return next((p for p in found if p["applicant_id"] == user["sub"]), None)


async def placee_side(request: Request, ref: str) -> tuple[dict, Side]:
    user = signed_in(request)
    p = await own_placement(request, user, ref)
    if p is None:
        raise PageNotFound()
    return user, Side("placee", p, f"/applications/{p['application_id']}", "Your application")


feedback_routes(router, "/host/placements/{ref}/feedback", host_side)
feedback_routes(router, "/applications/{ref}/feedback", placee_side)
