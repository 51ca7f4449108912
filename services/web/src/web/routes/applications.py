"""Your applications: status, what is awaited from whom, the proposed host and why, messages,
and withdrawing (with a confirmation step)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem, PageNotFound
from web.pages import one_thing_page, posted, render, see_other, signed_in
from web.routes.apply import uuid_or_404
from web.routes.feedback import own_placement

router = APIRouter()


async def inbox(request: Request, user: dict[str, Any]) -> list[dict[str, Any]]:
    return await request.app.state.apis.call(user, "notification", "GET", "/inbox",
                                             params={"limit": 100})


@router.get("/applications")
async def applications(request: Request) -> Response:
    user = signed_in(request)
    page = await request.app.state.apis.call(user, "applicant", "GET", "/applications",
                                             params={"limit": 50})
    return render(request, "applications.html", apps=page["items"])


async def proposal(request: Request, user: dict, application_id: str) -> dict | None:
    try:
        return await request.app.state.apis.call(user, "matching", "GET",
                                                 f"/my-proposals/{application_id}")
    except PageNotFound:
        return None


@router.get("/applications/{application_id}")
async def application(request: Request, application_id: str) -> Response:
    user = signed_in(request)
    apis = request.app.state.apis
    application_id = uuid_or_404(application_id)
    # Fetched first and alone: someone else's application stops here with the 404 page.
    app = await apis.call(user, "applicant", "GET", f"/applications/{application_id}")
    timeline = await apis.call(user, "applicant", "GET",
                               f"/applications/{application_id}/timeline")
    proposed = await proposal(request, user, application_id)
    messages = [m for m in await inbox(request, user)
                if m.get("application_id") == application_id]
    # Once the placement has ended, its page is where the applicant gives their feedback.
    placement = (await own_placement(request, user, application_id)
                 if app["status"] == "ended" else None)
    return render(request, "application.html", app=app, timeline=timeline,
                  proposal=proposed, messages=messages, placement=placement,
                  withdrawn=request.query_params.get("withdrawn"),
                  feedback_sent=request.query_params.get("done") == "feedback")


@router.get("/applications/{application_id}/withdraw")
async def withdraw_confirm(request: Request, application_id: str) -> Response:
    return await one_thing_page(request, signed_in(request), "withdraw.html", "app", "applicant",
                                f"/applications/{uuid_or_404(application_id)}")


@router.post("/applications/{application_id}/withdraw")
async def withdraw(request: Request, application_id: str) -> Response:
    form = await posted(request)
    user = signed_in(request)
    application_id = uuid_or_404(application_id)
    apis = request.app.state.apis
    problems = form.too_long()
    if not problems:
        try:
            await apis.call(user, "applicant", "POST",
                            f"/applications/{application_id}/withdraw",
                            json={"reason": form.get("reason") or None})
            return see_other(f"/applications/{application_id}?withdrawn=1")
        except ApiProblem as exc:
            problems = exc.problems
    app = await apis.call(user, "applicant", "GET", f"/applications/{application_id}")
    return render(request, "withdraw.html", status_code=422, problems=problems, app=app,
                  typed=form)


@router.get("/inbox")
async def messages(request: Request) -> Response:
    user = signed_in(request)
    return render(request, "inbox.html", messages=await inbox(request, user))
