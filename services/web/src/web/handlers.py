"""Every page of the service, gathered from one module per journey."""

from fastapi import APIRouter

from web.routes import (
    account,
    applications,
    apply,
    auth,
    host,
    host_candidates,
    host_placements,
    hr,
    opportunities,
    start,
)

router = APIRouter()
for module in (auth, start, account, opportunities, apply, applications, hr,
               host, host_candidates, host_placements):
    router.include_router(module.router)
