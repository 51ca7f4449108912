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
    hr_conditions,
    hr_rounds,
    kpi_targets,
    open_data,
    opportunities,
    ranking,
    research,
    start,
)

router = APIRouter()
for module in (auth, start, account, opportunities, ranking, apply, applications, hr,
               hr_conditions, hr_rounds, approver, host, host_candidates, host_placements,
               feedback, employer, open_data, research, kpi_targets, follow_ups):
    router.include_router(module.router)
