"""Your profile (per applicant kind) and deleting your data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts import Clearance, Grade, Sector, UKRegion
from web.apis import ApiProblem, PageNotFound
from web.domain import date_parts, lines, read_date
from web.pages import Posted, posted, render, returning, see_other, session_of, signed_in

router = APIRouter()
KINDS = {"civil_servant": "Civil servant", "industry_professional": "Industry expert",
         "diplomat": "Diplomat (FCDO)"}
ORGANISATION_WORDS = {"civil_servant": "Department", "industry_professional": "Employer",
                      "diplomat": "FCDO post"}
CHOICES = {"grades": [g.value for g in Grade], "clearances": [c.value for c in Clearance],
           "sectors": [s.value for s in Sector], "regions": [r.value for r in UKRegion],
           "kinds": KINDS, "organisation_words": ORGANISATION_WORDS}


async def my_profile(request: Request, user: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return await request.app.state.apis.call(user, "applicant", "GET", "/applicants/me")
    except PageNotFound:
        return None


def as_form(profile: dict[str, Any]) -> dict[str, Any]:
    """API profile -> the form's values."""
    values = dict(profile)
    values["skills"] = "\n".join(profile.get("skills") or [])
    values["preferred_countries"] = ", ".join(profile.get("preferred_countries") or [])
    for name in ("available_from", "available_until"):
        values[name] = date_parts(profile.get(name))
    return values


def from_form(form: Posted, kind: str, keep: dict[str, Any]) -> tuple[dict, list]:
    problems = form.too_long()
    start, bad_start = read_date(form, "available_from", required=False)
    until, bad_until = read_date(form, "available_until", required=False)
    problems += [p for p in (bad_start, bad_until) if p]
    body = {"kind": kind, "name": form.get("name"), "email": form.get("email"),
            "organisation_id": form.get("organisation_id"),
            "grade": form.get("grade") or None, "profession": form.get("profession") or None,
            "role": form.get("role") or None,
            "clearance_held": form.get("clearance_held") or "none",
            "line_manager_id": form.get("line_manager_id") or None,
            "skills": lines(form.get("skills")), "sectors": form.all("sectors"),
            "preferred_regions": form.all("preferred_regions"),
            "preferred_countries": [c.strip().upper() for c in
                                    form.get("preferred_countries").split(",") if c.strip()],
            "available_from": start.isoformat() if start else None,
            "available_until": until.isoformat() if until else None,
            # Declared on the application journey; kept as they are here.
            "declared_interests": keep.get("declared_interests") or []}
    return body, problems


def kind_of(user: dict[str, Any], profile: dict[str, Any] | None, asked: str | None) -> str:
    kind = (profile or {}).get("kind") or asked or user.get("applicant_kind")
    return kind if kind in KINDS else ""


@router.get("/profile")
async def profile_page(request: Request, kind: str | None = None) -> Response:
    user = signed_in(request)
    profile = await my_profile(request, user)
    chosen = kind_of(user, profile, kind)
    values = as_form(profile) if profile else {"name": user.get("name") or "",
                                               "email": user.get("email") or ""}
    typed = returning(request)
    return render(request, "profile.html", kind=chosen, values=values, typed=typed,
                  saved=request.query_params.get("saved"),
                  first=request.query_params.get("first"), **CHOICES)


@router.post("/profile")
async def save_profile(request: Request) -> Response:
    form = await posted(request)
    user = signed_in(request)
    profile = await my_profile(request, user)
    kind = kind_of(user, profile, form.get("kind"))
    body, problems = from_form(form, kind, profile or {})
    if not problems:
        try:
            await request.app.state.apis.call(user, "applicant", "PUT", "/applicants/me",
                                              json=body)
            return see_other("/profile?saved=1")
        except ApiProblem as exc:
            problems = exc.problems
    return render(request, "profile.html", status_code=422, problems=problems, kind=kind,
                  values={}, typed=form, saved=None, first=None, **CHOICES)


@router.get("/delete-my-data")
async def delete_warning(request: Request) -> Response:
    signed_in(request)
    return render(request, "delete.html")


@router.post("/delete-my-data")
async def delete_my_data(request: Request) -> Response:
    await posted(request)
    user = signed_in(request)
    await request.app.state.apis.call(user, "applicant", "DELETE", "/applicants/me")
    request.app.state.sessions.end(session_of(request).id)
    request.state.session = None
    return see_other("/data-deleted")


@router.get("/data-deleted")
async def data_deleted(request: Request) -> Response:
    return render(request, "deleted.html")
