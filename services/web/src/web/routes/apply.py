"""Apply: when and for how long, declared interests, about you (home region, the outcome
baseline and consent to follow-ups), check your answers, confirmation.

The answers build up in a draft in the session. Each draft carries its own Idempotency-Key,
sent with the submission, so a double click or a resubmit after the back button gives the
same application, never two."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts import Sector, UKRegion
from web.apis import ApiProblem, PageNotFound
from web.domain import INTEREST_ROWS, date_parts, read_date, read_interests, read_whole_number
from web.messages import Problem
from web.outcome_form import baseline_values, read_baseline, words
from web.pages import Posted, posted, render, returning, see_other, session_of, signed_in
from web.routes.account import my_profile
from web.routes.start import SCHEMES

router = APIRouter()
WHEN_FIELDS = {"earliest_start", "desired_length_months", "sectors", "preferred_regions",
               "preferred_countries", "scheme", "opportunity_id"}
ABOUT_FIELDS = ("home_region", "baseline", "follow_up_consent")
INTEREST_KINDS = {"procurement": "Procurement (buying from or selling to them)",
                  "regulation": "Regulation (regulating them)",
                  "policy": "Policy (making policy that affects them)"}


def draft_of(request: Request, scheme: str) -> dict[str, Any]:
    if scheme not in SCHEMES:
        raise PageNotFound()
    draft = session_of(request).draft(f"apply-{scheme}")
    draft.setdefault("key", str(uuid.uuid4()))
    return draft


Reader = Callable[[Posted], tuple[dict[str, Any], list[Problem]]]
StepPage = Callable[..., Response]


async def save_step(request: Request, scheme: str, read: Reader, page: StepPage,
                    next_step: str) -> Response:
    """A posted step of the flow (CSRF checked, signed in): its answers go into the draft and
    on to the next step, or its page comes back with what is wrong (422)."""
    form = await posted(request)
    signed_in(request)
    draft = draft_of(request, scheme)
    answers, problems = read(form)
    problems += form.too_long()
    if problems:
        return page(request, scheme, draft, problems, form, status_code=422)
    draft.update(answers)
    return see_other(f"/apply/{scheme}/{next_step}")


def when_page(request: Request, scheme: str, draft: dict, problems=None, typed=None,
              status_code: int = 200) -> Response:
    values = {"earliest_start": date_parts(draft.get("earliest_start")),
              "desired_length_months": draft.get("desired_length_months"),
              "sectors": draft.get("sectors"), "preferred_regions": draft.get("preferred_regions"),
              "preferred_countries": ", ".join(draft.get("preferred_countries") or [])}
    return render(request, "apply_when.html", status_code=status_code, problems=problems,
                  scheme=scheme, info=SCHEMES[scheme], draft=draft, typed=typed, values=values,
                  sectors=[s.value for s in Sector], regions=[r.value for r in UKRegion])


@router.get("/apply/{scheme}")
async def when(request: Request, scheme: str, opportunity: str | None = None) -> Response:
    user = signed_in(request)
    draft = draft_of(request, scheme)
    if await my_profile(request, user) is None:  # the application is built from the profile
        return see_other("/profile?first=1")
    if draft.get("done"):  # a fresh start after a submitted application
        draft.clear()
        draft["key"] = str(uuid.uuid4())
    if opportunity:
        draft["opportunity_id"] = opportunity
    return when_page(request, scheme, draft, typed=returning(request))


def read_when(form: Posted) -> tuple[dict[str, Any], list[Problem]]:
    start, bad_start = read_date(form, "earliest_start")
    months, bad_months = read_whole_number(form, "desired_length_months")
    problems = [p for p in (bad_start, bad_months) if p]
    if problems:
        return {}, problems
    return {"earliest_start": start.isoformat(), "desired_length_months": months,
            "sectors": form.all("sectors"), "preferred_regions": form.all("preferred_regions"),
            "preferred_countries": [c.strip().upper() for c in
                                    form.get("preferred_countries").split(",") if c.strip()]
            }, []


@router.post("/apply/{scheme}")
async def save_when(request: Request, scheme: str) -> Response:
    return await save_step(request, scheme, read_when, when_page, "interests")


@router.get("/apply/{scheme}/interests")
async def interests(request: Request, scheme: str) -> Response:
    user = signed_in(request)
    draft = draft_of(request, scheme)
    if "interests" not in draft:
        profile = await my_profile(request, user) or {}
        draft["interests"] = profile.get("declared_interests") or []
    values = {}
    for i, interest in enumerate(draft["interests"][:INTEREST_ROWS], start=1):
        values[f"interest-{i}-name"] = interest.get("organisation_name") or ""
        values[f"interest-{i}-kind"] = interest.get("kind") or ""
    return render(request, "apply_interests.html", scheme=scheme, draft=draft,
                  rows=INTEREST_ROWS, kinds=INTEREST_KINDS, typed=returning(request),
                  values=values)


def interests_page(request: Request, scheme: str, draft: dict, problems=None, typed=None,
                   status_code: int = 200) -> Response:
    return render(request, "apply_interests.html", status_code=status_code, problems=problems,
                  scheme=scheme, draft=draft, rows=INTEREST_ROWS, kinds=INTEREST_KINDS,
                  typed=typed)


def read_interests_step(form: Posted) -> tuple[dict[str, Any], list[Problem]]:
    found, problems = read_interests(form)
    return {"interests": found}, problems


@router.post("/apply/{scheme}/interests")
async def save_interests(request: Request, scheme: str) -> Response:
    return await save_step(request, scheme, read_interests_step, interests_page, "about-you")


def about_page(request: Request, scheme: str, draft: dict, problems=None, typed=None,
               status_code: int = 200) -> Response:
    return render(request, "apply_about.html", status_code=status_code, problems=problems,
                  scheme=scheme, info=SCHEMES[scheme], typed=typed,
                  values=baseline_values(draft), **words())


@router.get("/apply/{scheme}/about-you")
async def about_you(request: Request, scheme: str) -> Response:
    signed_in(request)
    draft = draft_of(request, scheme)
    if "earliest_start" in draft:
        return about_page(request, scheme, draft, typed=returning(request))
    return see_other(f"/apply/{scheme}")  # the first step comes first


@router.post("/apply/{scheme}/about-you")
async def save_about_you(request: Request, scheme: str) -> Response:
    return await save_step(request, scheme, read_baseline, about_page, "check")


def check_page(request: Request, scheme: str, draft: dict, problems=None,
               status_code: int = 200) -> Response:
    return render(request, "apply_check.html", status_code=status_code, problems=problems,
                  scheme=scheme, info=SCHEMES[scheme], draft=draft, kinds=INTEREST_KINDS,
                  **words())


@router.get("/apply/{scheme}/check")
async def check(request: Request, scheme: str) -> Response:
    signed_in(request)
    draft = draft_of(request, scheme)
    if draft.get("done"):
        return see_other(f"/applications/{draft['done']}/confirmation")
    if "earliest_start" not in draft:
        return see_other(f"/apply/{scheme}")
    return check_page(request, scheme, draft)


@router.post("/apply/{scheme}/check")
async def submit(request: Request, scheme: str) -> Response:
    await posted(request)
    user = signed_in(request)
    draft = draft_of(request, scheme)
    if draft.get("done"):  # submitted already (double click, back button): same application
        return see_other(f"/applications/{draft['done']}/confirmation")
    if "earliest_start" not in draft:
        return see_other(f"/apply/{scheme}")
    apis = request.app.state.apis
    try:
        await keep_interests(request, user, draft.get("interests") or [])
        made = await apis.call(user, "applicant", "POST", "/applications",
                               json=application_body(scheme, draft),
                               idempotency_key=draft["key"])
    except ApiProblem as exc:
        if any(p.field in WHEN_FIELDS for p in exc.problems):
            return when_page(request, scheme, draft, exc.problems, status_code=422)
        if any((p.field or "").split(".")[0] in ABOUT_FIELDS for p in exc.problems):
            return about_page(request, scheme, draft, exc.problems, status_code=422)
        return check_page(request, scheme, draft, exc.problems, status_code=422)
    draft["done"] = made["id"]
    return see_other(f"/applications/{made['id']}/confirmation")


def application_body(scheme: str, draft: dict[str, Any]) -> dict[str, Any]:
    return {"scheme": scheme, "earliest_start": draft["earliest_start"],
            "desired_length_months": draft["desired_length_months"],
            "sectors": draft.get("sectors") or None,
            "preferred_regions": draft.get("preferred_regions") or None,
            "preferred_countries": draft.get("preferred_countries") or None,
            "opportunity_id": draft.get("opportunity_id"),
            **{k: draft[k] for k in ABOUT_FIELDS if k in draft}}


async def keep_interests(request: Request, user: dict, interests: list[dict]) -> None:
    """Declared interests belong to the profile: the application takes them from there."""
    profile = await my_profile(request, user)
    if profile is None:
        raise ApiProblem(422, [Problem(None, "Fill in your profile before you apply")])
    if profile.get("declared_interests") == interests:
        return
    body = {k: v for k, v in profile.items() if k not in ("id", "created_at", "updated_at")}
    body["declared_interests"] = interests
    await request.app.state.apis.call(user, "applicant", "PUT", "/applicants/me", json=body)


@router.get("/applications/{application_id}/confirmation")
async def confirmation(request: Request, application_id: str) -> Response:
    user = signed_in(request)
    app = await request.app.state.apis.call(user, "applicant", "GET",
                                            f"/applications/{uuid_or_404(application_id)}")
    return render(request, "confirmation.html", app=app)


def uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PageNotFound() from None
