"""Every page of the service, gathered from one module per journey."""

from fastapi import APIRouter

from web.routes import (
    account,
    applications,
    apply,
    approver,
    auth,
    host,
    host_candidates,
    host_placements,
    hr,
    opportunities,
    start,
)

router = APIRouter()
for module in (auth, start, account, opportunities, apply, applications, hr, approver,
               host, host_candidates, host_placements):
    router.include_router(module.router)

from web.routes import open_data  # noqa: E402 - open data for everyone (no sign-in)

router.include_router(open_data.router)
