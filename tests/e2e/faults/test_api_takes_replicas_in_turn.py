"""The driver's client spreads calls over a service's replicas and retries a call on the next
replica when one is away (the replica run's load balancer)."""

import httpx

from testkit import Api

URLS = ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"]


def _answering(api: Api, seen: list[str], dead: set[str]) -> None:
    """Every replica's client answers in memory, recording which replica got each call."""
    for k, url in enumerate(URLS):
        def handler(request: httpx.Request, url: str = url) -> httpx.Response:
            if url in dead:
                raise httpx.ConnectError("connection refused", request=request)
            seen.append(url)
            return httpx.Response(200, json={})
        api._http[("matching", k)] = httpx.AsyncClient(  # noqa: SLF001 - the seam under test
            base_url=url, transport=httpx.MockTransport(handler))


async def test_calls_go_to_each_replica_in_turn():
    seen: list[str] = []
    async with Api({"matching": URLS}) as api:
        _answering(api, seen, dead=set())
        for _ in range(6):
            await api.send("matching", "GET", "/rounds", "token")
    assert seen == URLS + URLS
    assert api.urls["matching"] == URLS[0]


async def test_a_call_refused_by_a_stopped_replica_is_retried_on_the_next():
    seen: list[str] = []
    retried: list[str] = []
    async with Api({"matching": URLS}, retry_for=30,
                   on_retry=lambda service, reason: retried.append(reason)) as api:
        _answering(api, seen, dead={URLS[0]})
        response = await api.send("matching", "POST", "/rounds", "token")
    assert response.status_code == 200
    assert seen == [URLS[1]] and retried == ["ConnectError"]
