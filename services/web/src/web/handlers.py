"""Every page of the service, gathered from one module per journey."""

from fastapi import APIRouter

from web.routes import account, applications, apply, auth, opportunities, start

router = APIRouter()
for module in (auth, start, account, opportunities, apply, applications):
    router.include_router(module.router)
