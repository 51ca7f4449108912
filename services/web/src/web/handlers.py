"""Every page of the service, gathered from one module per journey."""

from fastapi import APIRouter

from web.routes import (
    account,
    applications,
    apply,
    approver,
    auth,
    employer,
    feedback,
    follow_ups,
    host,
    host_candidates,
    host_placements,
    hr,
    kpi_targets,
    open_data,
    opportunities,
    research,
    start,
)

router = APIRouter()
for module in (auth, start, account, opportunities, apply, applications, hr, approver,
               host, host_candidates, host_placements, feedback, employer, open_data, research,
               kpi_targets, follow_ups):
    router.include_router(module.router)
