"""The HTTP metrics middleware on its own (no broker, no database): which series a request
lands in. The route-template case on a whole service is in test_metrics."""

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from shared.http_metrics import HttpMetrics, HttpSeries


def app_with_metrics() -> tuple[FastAPI, CollectorRegistry]:
    registry = CollectorRegistry()
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict:
        return {"id": thing_id}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/boom")
    async def boom() -> dict:
        raise RuntimeError("the handler failed")

    app.add_middleware(HttpMetrics, series=HttpSeries(registry, frozenset({"/healthz"})))
    return app, registry


def count(registry: CollectorRegistry, **labels: str) -> float | None:
    return registry.get_sample_value("bps_http_requests_total", labels)


async def test_requests_land_under_their_route_template_or_none_and_probes_are_left_out():
    app, registry = app_with_metrics()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
        for path in ("/things/1", "/things/2", "/nowhere/3", "/healthz"):
            await client.get(path)
        assert (await client.delete("/things/1")).status_code == 405
        assert (await client.post("/boom")).status_code == 500
    assert count(registry, handler="/things/{thing_id}", method="GET", status="200") == 2
    assert count(registry, handler="none", method="GET", status="404") == 1
    # A known path with the wrong method still names its route, as the instrumentator did.
    assert count(registry, handler="/things/{thing_id}", method="DELETE", status="405") == 1
    assert count(registry, handler="/boom", method="POST", status="500") == 1
    assert count(registry, handler="/healthz", method="GET", status="200") is None
    assert registry.get_sample_value("bps_http_request_duration_seconds_count",
                                     {"handler": "/things/{thing_id}", "method": "GET",
                                      "status": "200"}) == 2
