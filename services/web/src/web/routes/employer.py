"""The releasing employer or department: a person with role `employer` of the organisation an
application names (the applicant's employer or department). They see the placements of their
people and give their own feedback once one has ended (the form: routes/feedback.py). Approval
lists and shows only placements whose application names their organisation, so anyone else's
is the 404 page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import PageNotFound
from web.pages import render, signed_in
from web.routes.feedback import Side, feedback_page, placement_of, send_feedback
from web.routes.host_form import humane_date
from web.routes.host_placements import OUTCOMES

router = APIRouter()


def employer_user(request: Request) -> dict[str, Any]:
    """Someone speaking for an employer or department; anyone else sees 'Page not found'."""
    user = signed_in(request)
    if "employer" not in user["roles"] or not user.get("org"):
        raise PageNotFound()
    return user


@router.get("/employer/placements")
async def placements(request: Request) -> Response:
    user = employer_user(request)
    found = await request.app.state.apis.call(user, "approval", "GET", "/placements",
                                              params={"limit": 100})
    return render(request, "employer_placements.html", placements=found, when=humane_date)


@router.get("/employer/placements/{placement_id}")
async def placement(request: Request, placement_id: str) -> Response:
    p = await placement_of(request, employer_user(request), placement_id)
    notice = "Thank you for your feedback" if request.query_params.get("done") else None
    return render(request, "employer_placement.html", p=p, when=humane_date,
                  outcomes=OUTCOMES, notice=notice)


async def employer_side(request: Request, placement_id: str) -> tuple[dict, Side]:
    user = employer_user(request)
    p = await placement_of(request, user, placement_id)
    back = f"/employer/placements/{p['id']}"
    return user, Side("releasing_employer", p, back, "Placement", f"{back}/feedback")


@router.get("/employer/placements/{placement_id}/feedback")
async def employer_form(request: Request, placement_id: str) -> Response:
    _, side = await employer_side(request, placement_id)
    return feedback_page(request, side)


@router.post("/employer/placements/{placement_id}/feedback")
async def employer_send(request: Request, placement_id: str) -> Response:
    user, side = await employer_side(request, placement_id)
    return await send_feedback(request, user, side)
