"""Outcome follow-ups: the form the follow-up email links to (6 and 12 months after leaving
the scheme), answered once; the applicant API keeps the first answer and refuses after
erasure, and this page says so in words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem
from web.outcome_form import read_answers, words
from web.pages import posted, render, returning, see_other, signed_in
from web.routes.apply import uuid_or_404
from web.routes.start import SCHEMES

router = APIRouter()
GONE = 410


def follow_up_page(request: Request, follow_up: dict, problems=None, typed=None,
                   status_code: int = 200) -> Response:
    return render(request, "follow_up.html", status_code=status_code, problems=problems,
                  typed=typed, f=follow_up, scheme_title=SCHEMES[follow_up["scheme"]]["title"],
                  **words())


def closed_page(request: Request, exc: ApiProblem) -> Response:
    reason = exc.problems[0].message if exc.problems else "This follow-up is closed."
    return render(request, "follow_up_closed.html", status_code=GONE, reason=reason)


async def read_follow_up(request: Request, user: dict, follow_up_id: str) -> dict:
    return await request.app.state.apis.call(user, "applicant", "GET",
                                             f"/follow-ups/{uuid_or_404(follow_up_id)}")


@router.get("/follow-ups/{follow_up_id}")
async def follow_up(request: Request, follow_up_id: str) -> Response:
    user = signed_in(request)
    try:
        found = await read_follow_up(request, user, follow_up_id)
    except ApiProblem as exc:
        if exc.status == GONE:
            return closed_page(request, exc)
        raise
    return follow_up_page(request, found, typed=returning(request))


@router.post("/follow-ups/{follow_up_id}")
async def answer(request: Request, follow_up_id: str) -> Response:
    form = await posted(request)
    user = signed_in(request)
    answers, problems = read_answers(form)
    apis = request.app.state.apis
    try:
        if not problems:
            await apis.call(user, "applicant", "POST",
                            f"/follow-ups/{uuid_or_404(follow_up_id)}/answers", json=answers)
            return see_other(f"/follow-ups/{follow_up_id}/sent")
        found = await read_follow_up(request, user, follow_up_id)
    except ApiProblem as exc:
        if exc.status == GONE:
            return closed_page(request, exc)
        # Answered already (the first answer counts), lapsed, or not open yet: say which.
        found = await read_follow_up(request, user, follow_up_id)
        return follow_up_page(request, found, exc.problems, form, status_code=exc.status)
    return follow_up_page(request, found, problems, form, status_code=422)


@router.get("/follow-ups/{follow_up_id}/sent")
async def sent(request: Request, follow_up_id: str) -> Response:
    signed_in(request)
    uuid_or_404(follow_up_id)
    return render(request, "follow_up_done.html")
