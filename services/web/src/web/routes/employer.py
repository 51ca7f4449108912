"""The releasing employer or department: a person with role `employer` of the organisation an
application names (the applicant's employer or department). They see the placements of their
people and give their own feedback once one has ended (the form: routes/feedback.py). Approval
lists and shows only placements whose application names their organisation, so anyone else's
is the 404 page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.pages import acting_for, list_page, render
from web.routes.feedback import Side, feedback_routes, placement_of
from web.routes.host_form import humane_date
from web.routes.host_placements import OUTCOMES

router = APIRouter()


def employer_user(request: Request) -> dict[str, Any]:
    """Someone speaking for an employer or department; anyone else sees 'Page not found'."""
    return acting_for(request, "employer")


@router.get("/employer/placements")
async def placements(request: Request) -> Response:
    return await list_page(request, employer_user(request), "employer_placements.html",
                           "placements", "approval", "/placements", when=humane_date)


@router.get("/employer/placements/{placement_id}")
async def placement(request: Request, placement_id: str) -> Response:
    p = await placement_of(request, employer_user(request), placement_id)
    notice = "Thank you for your feedback" if request.query_params.get("done") else None
    return render(request, "employer_placement.html", p=p, when=humane_date,
                  outcomes=OUTCOMES, notice=notice)


async def employer_side(request: Request, ref: str) -> tuple[dict, Side]:
    user = employer_user(request)
    p = await placement_of(request, user, ref)
    return user, Side("releasing_employer", p, f"/employer/placements/{p['id']}", "Placement")


feedback_routes(router, "/employer/placements/{ref}/feedback", employer_side)
