"""HR: the conditions people carry back from their placements (integrity after return), from
the approval service's list with the HR person's own token. Central HR sees everyone's,
departmental HR those returning to its organisation; anyone without the hr role sees 'Page not
found'. No script: 'show ended ones too' is a plain link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.pages import render
from web.routes.hr import hr_user

router = APIRouter()
LISTED = 200  # one page: conditions run for months, so few are in force at once

# What a returner may not decide on, in words.
DECISIONS = {"procurement": "procurement", "regulation": "regulation", "grants": "grants",
             "placements": "placement approvals"}


@router.get("/hr/return-conditions")
async def return_conditions(request: Request, show: str = "") -> Response:
    user = hr_user(request)
    everything = show == "all"
    conditions = await request.app.state.apis.call(
        user, "approval", "GET", "/return-conditions",
        params={"in_force": "false" if everything else "true", "limit": LISTED})
    return render(request, "hr_conditions.html", everything=everything,
                  outward=[c for c in conditions if c["condition_kind"] == "outward"],
                  inward=[c for c in conditions if c["condition_kind"] == "inward"],
                  decisions=DECISIONS)
