"""The http_intake baseline: the platform's server stack with an endpoint that does nothing.

Same `build_service_app` (body cap, correlation id, error handlers, lifespan with pool,
broker and relay) and the same `serve` (uvicorn, httptools, the asyncio loop) as every
service, so the ratio `POST /applications` / `POST /bare` is the cost of the endpoint itself:
token check, validation, rules, one transaction with the outbox row.

    python -m tests.perf.bare_server   # BARE_HTTP_PORT, BARE_DATABASE_URL, BARE_KAFKA_...
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic_settings import SettingsConfigDict
from shared.service import build_service_app, serve
from shared.settings import ServiceSettings
from shared.spec import ServiceSpec


class BareSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BARE_", extra="ignore")

    service_name: str = "bare"


def build_app(settings: BareSettings) -> FastAPI:
    router = APIRouter()

    @router.post("/bare", status_code=201)
    async def bare() -> JSONResponse:
        return JSONResponse({"status": "ok"}, status_code=201)

    spec = ServiceSpec(name="bare", title="bare", description="bench baseline",
                       migrations=Path(__file__).parent / "migrations", build=lambda _rt: None,
                       routers=(router,))
    return build_service_app(settings, spec)


def main() -> None:
    settings = BareSettings()
    serve(build_app(settings), settings, "BARE_HTTP_PORT")


if __name__ == "__main__":
    main()
