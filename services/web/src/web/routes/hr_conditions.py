"""HR: the conditions people carry back from their placements (integrity after return), from
the approval service's list with the HR person's own token. Central HR sees everyone's,
departmental HR those returning to its organisation; anyone without the hr role sees 'Page not
found'. No script: 'show ended ones too' is a plain link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.dates import long_date
from web.pages import render
from web.routes.hr import hr_user

router = APIRouter()
LISTED = 200  # one page: conditions run for months, so few are in force at once

# What a returner may not decide on, in words.
DECISIONS = {"procurement": "procurement", "regulation": "regulation", "grants": "grants",
             "placements": "placement approvals"}


def outward_cells(c: dict) -> list[str]:
    barred = ", ".join(DECISIONS.get(d, d) for d in c["restricted_decisions"])
    return [f"{c['applicant_id']} (back at {c['organisation_id']})", c["former_host_org_id"],
            c["grade"] or "Not given (longest period)", long_date(c["ended_on"]),
            long_date(c["restricted_until"]), f"{barred} involving {c['former_host_org_id']}"]


def inward_cells(c: dict) -> list[str]:
    return [c["applicant_id"], c["former_host_org_id"], c["organisation_id"],
            long_date(c["ended_on"]), long_date(c["restricted_until"]),
            c["confidentiality"] or ""]


# Each kind's table: its id, heading, column headers and how a condition fills a row.
SECTIONS = (
    ("outward", "Civil servants back from a placement",
     ("Person", "Former host", "Grade", "Placement ended", "Restricted until",
      "May not decide on"), outward_cells),
    ("inward", "Industry experts back at their employer",
     ("Person", "Placed with", "Back at", "Placement ended", "Confidential until",
      "Undertaking"), inward_cells),
)


@router.get("/hr/return-conditions")
async def return_conditions(request: Request, show: str = "") -> Response:
    user = hr_user(request)
    everything = show == "all"
    conditions = await request.app.state.apis.call(
        user, "approval", "GET", "/return-conditions",
        params={"in_force": "false" if everything else "true", "limit": LISTED})
    sections = [(kind, heading, headers,
                 [(c["placement_id"], cells(c)) for c in conditions
                  if c["condition_kind"] == kind])
                for kind, heading, headers, cells in SECTIONS]
    return render(request, "hr_conditions.html", everything=everything, sections=sections)
