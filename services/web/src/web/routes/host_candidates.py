"""A candidate proposed to the host: who they are (what the applicant service's case view lets
a host see), why we proposed them in words, and the host's accept or decline (an approval
stage). Matching answers 404 for another organisation's proposal, so that host sees the 404
page; a stage decided meanwhile shows who decided it, as approval's 409 says."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem, PageNotFound
from web.messages import Problem
from web.pages import posted, render, see_other
from web.routes.apply import uuid_or_404
from web.routes.host import host_user
from web.routes.host_form import humane_date
from web.routes.host_words import HOST_STAGES, STAGE_WORDS, explanation_words

router = APIRouter()
DECISIONS = {"accept": "Accept this candidate", "decline": "Decline this candidate"}


async def _or_none(call) -> Any:
    """The case view or stages may not exist yet (the services read the proposal a moment
    after matching made it): the page says so rather than failing."""
    try:
        return await call
    except PageNotFound:
        return None


async def proposal_context(request: Request, user: dict, match_id: str) -> dict[str, Any]:
    call = request.app.state.apis.call
    # Matching first and alone: another organisation's proposal stops here with the 404 page.
    prop = await call(user, "matching", "GET", f"/proposals/{uuid_or_404(match_id)}")
    opp = await call(user, "matching", "GET", f"/opportunities/{prop['opportunity_id']}")
    app_id = prop["application_id"]
    case = await _or_none(call(user, "applicant", "GET", f"/applications/{app_id}/case"))
    stages = await _or_none(call(user, "approval", "GET", f"/applications/{app_id}/stages"))
    ours = [s for s in stages or [] if s["opportunity_id"] == prop["opportunity_id"]]
    host_stage = next((s for s in reversed(ours) if s["stage"] in HOST_STAGES
                       and s["approver_org_id"] == user["org"]), None)
    waiting = next((s for s in ours if s["status"] == "open"), None)
    return {"prop": prop, "opp": opp, "case": case, "host_stage": host_stage,
            "waiting_for": STAGE_WORDS.get(waiting["stage"], "approval") if waiting else None,
            "words": explanation_words(prop["explanation"]), "when": humane_date,
            "decisions": DECISIONS}


@router.get("/host/proposals/{match_id}")
async def proposal(request: Request, match_id: str) -> Response:
    user = host_user(request)
    context = await proposal_context(request, user, match_id)
    return render(request, "host_proposal.html", decided=request.query_params.get("decided"),
                  **context)


def read_decision(form) -> tuple[dict[str, Any], list[Problem]]:
    decision, reason = form.get("decision"), form.get("reason")
    problems = form.too_long()
    if decision not in DECISIONS:
        problems.append(Problem("decision", "Select whether you accept or decline this "
                                            "candidate"))
    elif decision == "decline" and not reason:
        problems.append(Problem("reason", "Enter why you are declining this candidate"))
    return {"decision": decision, "reason": reason or None}, problems


@router.post("/host/proposals/{match_id}/decision")
async def decide(request: Request, match_id: str) -> Response:
    form = await posted(request)
    user = host_user(request)
    context = await proposal_context(request, user, match_id)
    stage = context["host_stage"]
    # The stage the form was shown for: a stale form still names it, and approval then says
    # who decided it meanwhile.
    if stage is None or form.get("stage_id") != str(stage["id"]):
        raise PageNotFound()
    body, problems = read_decision(form)
    if not problems:
        try:
            await request.app.state.apis.call(user, "approval", "POST",
                                              f"/stages/{stage['id']}/decision", json=body)
            return see_other(f"/host/proposals/{match_id}?decided={body['decision']}")
        except ApiProblem as exc:
            if exc.status == 409:  # decided already: what happened, not an error
                context = await proposal_context(request, user, match_id)
                return render(request, "host_proposal.html", decided=None,
                              happened=" ".join(p.message for p in exc.problems), **context)
            problems = exc.problems
    return render(request, "host_proposal.html", status_code=422, problems=problems,
                  typed=form, decided=None, **context)
