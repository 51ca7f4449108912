"""Approvers (and HR): one task list per person across their roles and organisation, the case
page of a stage with what that stage needs to decide it, and the decision itself.

Every rule stays in the approval and applicant APIs: who sees a stage or a case (someone
else's is 404 there, so 'Page not found' here), whether a refusal has its reason, whether a
stage is still open. The pages only show their answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem, PageNotFound
from web.messages import Problem
from web.pages import Posted, posted, render, see_other, signed_in
from web.routes.apply import uuid_or_404
from web.routes.start import SCHEMES

router = APIRouter()
# Roles the approval service asks for decisions (hosts decide their own acceptance stage).
APPROVER_ROLES = frozenset({"line_manager", "hr", "ethics", "vetting", "employer", "fcdo_post",
                            "bcc", "host"})
SORTS = {"due": "Due date (soonest first)", "opened": "Date received (oldest first)"}
ETHICS, VETTING = "conflict_of_interest", "security_vetting"
HOST_STAGES = frozenset({"host_acceptance", "host_department", "sme_acceptance"})
# Each stage in plain words (the task list's own titles come from the API).
STAGE_TITLES = {
    "line_manager": "Line manager approval", "departmental_hr": "Departmental HR approval",
    "conflict_of_interest": "Conflict of interest check", "host_acceptance": "Host acceptance",
    "releasing_employer": "Releasing employer approval",
    "host_department": "Host department acceptance", "security_vetting": "Security vetting",
    "fcdo_post": "FCDO post approval",
    "bcc_endorsement": "British Chambers of Commerce endorsement",
    "sme_acceptance": "SME host acceptance"}
STAGE_STATUS = {"open": ("Waiting for a decision", "govuk-tag--blue"),
                "granted": ("Approved", "govuk-tag--green"),
                "refused": ("Refused", "govuk-tag--red"),
                "expired": ("Expired", "govuk-tag--grey"),
                "withdrawn": ("Withdrawn", "govuk-tag--grey")}


def approver_user(request: Request) -> dict[str, Any]:
    user = signed_in(request)
    if not APPROVER_ROLES & set(user["roles"]):
        raise PageNotFound()
    return user


def is_central_hr(user: dict[str, Any]) -> bool:
    return "hr" in user["roles"] and user.get("org") in (None, "", "hr-central")


def may_decide(stage: dict[str, Any], user: dict[str, Any]) -> bool:
    """Whether to offer the decision form (the approval API decides whether it counts): the
    stage's own approver, or central HR once the stage is escalated."""
    if stage["status"] != "open":
        return False
    assigned = (stage["approver_role"] in user["roles"]
                and stage["approver_id"] in (None, user["sub"])
                and stage["approver_org_id"] in (None, user.get("org")))
    return assigned or (stage["escalated"] and is_central_hr(user))


@router.get("/tasks")
async def tasks(request: Request, scheme: str | None = None, sort: str = "due") -> Response:
    user = approver_user(request)
    scheme = scheme if scheme in SCHEMES else None  # "any scheme", or a hand-typed address
    sort = sort if sort in SORTS else "due"
    found = await request.app.state.apis.call(user, "approval", "GET", "/tasks", params={
        "scheme": scheme, "sort": sort, "limit": 200})
    return render(request, "approver_tasks.html", tasks=found, scheme=scheme, sort=sort,
                  schemes=SCHEMES, sorts=SORTS, central=is_central_hr(user),
                  decided=request.query_params.get("decided"))


async def optional(call: Awaitable[Any]) -> Any:
    """An answer the page can do without: the case view a moment before the applicant service
    has heard the stage opened, an opportunity no longer published."""
    try:
        return await call
    except PageNotFound:
        return None


async def case_context(request: Request, user: dict[str, Any], stage_id: str
                       ) -> dict[str, Any]:
    apis = request.app.state.apis
    # The stage first and alone: someone else's stops here with the 404 page.
    stage = await apis.call(user, "approval", "GET", f"/stages/{stage_id}")
    app_id = stage["application_id"]
    stages, case, opportunity = await asyncio.gather(
        apis.call(user, "approval", "GET", f"/applications/{app_id}/stages"),
        optional(apis.call(user, "applicant", "GET", f"/applications/{app_id}/case")),
        optional(apis.call(user, "matching", "GET",
                           f"/published-opportunities/{stage['opportunity_id']}")))
    chain = [s for s in stages if s["case_id"] == stage["case_id"]]
    fields = (opportunity or {}).get("fields") or {}
    return {"stage": stage, "case": case, "chain": chain, "opportunity": fields,
            "host_name": fields.get("host_name") or stage["host_org_id"],
            "can_decide": may_decide(stage, user), "is_hr": "hr" in user["roles"],
            "title": STAGE_TITLES.get(stage["stage"], stage["stage"]),
            "titles": STAGE_TITLES, "statuses": STAGE_STATUS, "ethics": stage["stage"] == ETHICS,
            "vetting": stage["stage"] == VETTING, "host_stage": stage["stage"] in HOST_STAGES,
            "conflicts": conflicts(case, fields.get("host_name"))}


def conflicts(case: dict[str, Any] | None, host_name: str | None) -> list[str]:
    """Declared organisations whose name is the host's (a prompt for the ethics officer, who
    decides; names are compared ignoring case and spacing)."""
    if not case or not host_name:
        return []

    def squash(name: str) -> str:
        return " ".join(name.lower().split())
    return [i["organisation_name"] for i in case.get("declared_interests") or []
            if squash(i["organisation_name"]) == squash(host_name)]


async def case_page(request: Request, user: dict[str, Any], stage_id: str,
                    status_code: int = 200, problems: list[Problem] | None = None,
                    typed: Posted | None = None) -> Response:
    context = await case_context(request, user, stage_id)
    return render(request, "approver_case.html", status_code=status_code, problems=problems,
                  typed=typed, **context)


@router.get("/tasks/{stage_id}")
async def case(request: Request, stage_id: str) -> Response:
    return await case_page(request, approver_user(request), uuid_or_404(stage_id))


def decision_body(form: Posted) -> dict[str, Any]:
    """A grant carries its note and any mitigation; a refusal its reason and note."""
    decision = form.get("decision")
    body: dict[str, Any] = {"decision": decision, "note": form.get("note") or None}
    if decision == "refuse":
        body["reason"] = form.get("reason") or None
    elif form.get("mitigation"):
        body["mitigation"] = form.get("mitigation")
    return body


@router.post("/tasks/{stage_id}")
async def decide(request: Request, stage_id: str) -> Response:
    form = await posted(request)
    user = approver_user(request)
    stage_id = uuid_or_404(stage_id)
    problems = form.too_long()
    if form.get("decision") not in ("grant", "refuse"):
        problems.append(Problem("decision", "Select whether you approve or refuse"))
    if not problems:
        try:
            await request.app.state.apis.call(user, "approval", "POST",
                                              f"/stages/{stage_id}/decision",
                                              json=decision_body(form))
            return see_other(f"/tasks?decided={stage_id}")
        except ApiProblem as exc:
            if exc.status == 409:  # decided by someone else, withdrawn, expired, reassigned
                return already_closed(request, stage_id, exc.problems)
            problems = exc.problems
    return await case_page(request, user, stage_id, 422, problems, form)


def already_closed(request: Request, stage_id: str, problems: list[Problem]) -> Response:
    """What happened to the stage, who did it and when, in the API's words; not an error."""
    return render(request, "approver_closed.html", status_code=409, stage_id=stage_id,
                  what=" ".join(p.message for p in problems))
