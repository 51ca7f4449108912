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
    host,
    host_candidates,
    host_placements,
    hr,
    open_data,
    opportunities,
    start,
)

router = APIRouter()
for module in (auth, start, account, opportunities, apply, applications, hr, approver,
               host, host_candidates, host_placements, feedback, employer, open_data):
    router.include_router(module.router)
