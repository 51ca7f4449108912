"""While the database cannot be reached, a request is answered 503 with Retry-After (a client
retries it), never a 500 (which says: do not bother)."""

import asyncpg
import httpx
from bps_local import procs
from fastapi import FastAPI
from shared.errors import install_error_handlers


def closed_port() -> int:
    for port in range(39950, 39999):
        if procs.port_free(port):
            return port
    raise RuntimeError("no free port")


async def test_a_request_that_cannot_reach_the_database_is_answered_503_with_retry_after():
    app = FastAPI()
    install_error_handlers(app)
    dsn = f"postgresql://bps@127.0.0.1:{closed_port()}/postgres"

    @app.get("/needs-db")
    async def needs_db() -> dict:
        await asyncpg.connect(dsn, timeout=5)  # nothing listens: refused, as while it restarts
        return {}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        resp = await client.get("/needs-db")
    assert resp.status_code == 503, resp.text
    assert resp.headers["Retry-After"] == "1"
    assert "retry" in resp.json()["detail"]
