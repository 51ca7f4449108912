"""The HR page's live stream relay, in process against a stand-in monitor that never ends its
stream: the token goes upstream as a header, and the upstream stream closes when the browser
leaves (an HR tab closed must not hold a monitor connection for ever)."""

from __future__ import annotations

import asyncio
import time

import httpx
from testkit.harness.serving import served
from web.app import build_app
from web.config import WebSettings
from web.sessions import COOKIE


class EndlessStream(httpx.AsyncByteStream):
    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def __aiter__(self):
        yield b": ready after 0\r\n\r\n"
        while True:
            await asyncio.sleep(0.05)
            yield b": ping\r\n\r\n"

    async def aclose(self) -> None:
        self.closed.set()


async def test_the_relay_sends_the_token_upstream_and_closes_it_when_the_browser_leaves():
    stream, seen = EndlessStream(), []

    def monitor(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=stream, headers={"content-type": "text/event-stream"})

    app = build_app(WebSettings(), httpx.MockTransport(monitor))
    async with served(app) as base:
        session = app.state.sessions.new({"user": {
            "sub": "hr", "roles": ["hr"], "org": "hr-central", "access_token": "the-token",
            "expires_at": time.time() + 600}})
        url = f"{base}/hr/monitor/stream?type=MatchProposed"
        async with httpx.AsyncClient(cookies={COOKIE: session.id}) as browser, \
                browser.stream("GET", url, headers={"Last-Event-ID": "41"}) as live:
            assert live.headers["content-type"].startswith("text/event-stream")
            lines = live.aiter_lines()
            assert (await anext(lines)).startswith(": ready")
        await asyncio.wait_for(stream.closed.wait(), 10)

        [upstream] = seen
        assert upstream.headers["Authorization"] == "Bearer the-token"
        assert upstream.headers["Last-Event-ID"] == "41"
        assert upstream.url.params["type"] == "MatchProposed"
