"""The web service as the web_pages bench runs it: the real app (`web.app.build_app`, same
`serve`: uvicorn, httptools, the asyncio loop) with, for the bench only,
- signed-in sessions made up front for the bench users (tokens from WEB_BENCH_USERS, ids
  written to WEB_BENCH_SESSIONS): the OIDC round trip is not what is measured;
- the server time of every request (outermost ASGI wrapper, so the session middleware, the API
  calls and the render are all inside), read and reset at GET /_bench/times;
- GET /_bench/bare/{template}: the same template rendered with the context a real page last
  rendered it with, on the same stack and session: the bare Jinja render, no API call.

    python -m tests.perf.web_server   # WEB_HTTP_PORT, WEB_*_URL, WEB_BENCH_USERS/SESSIONS
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from shared.service import serve
from web.app import build_app
from web.config import WebSettings


class RecordingTemplates:
    """The Jinja environment, remembering the context each template was last rendered with."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.seen: dict[str, dict[str, Any]] = {}

    def get_template(self, name: str) -> Any:
        template, seen = self.env.get_template(name), self.seen

        class Recorded:
            def render(self, **context: Any) -> str:
                seen[name] = context
                return template.render(**context)

        return Recorded()


def page_kind(path: str) -> str:
    if path == "/opportunities":
        return "search"
    if path.startswith("/applications/"):
        return "application"
    return path.removeprefix("/_bench/bare/").removesuffix(".html") + "_bare" \
        if path.startswith("/_bench/bare/") else "other"


class ServerTime:
    """Outermost ASGI wrapper: wall time from the request's arrival to its last byte sent
    (not to the call's return, which on a busy loop comes some turns later)."""

    def __init__(self, app: Any, times: dict[str, list[float]]) -> None:
        self.app, self.times = app, times

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        kind = page_kind(scope["path"])

        async def timed_send(message: dict) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.times[kind].append(time.perf_counter() - started)

        await self.app(scope, receive, timed_send)


def build(settings: WebSettings, users: list[dict[str, str]]) -> tuple[FastAPI, dict]:
    app = build_app(settings)
    templates = RecordingTemplates(app.state.templates)
    app.state.templates = templates
    times: dict[str, list[float]] = defaultdict(list)
    sessions = {u["sub"]: app.state.sessions.new({"user": {
        "sub": u["sub"], "name": u["sub"], "email": None, "roles": ["applicant"],
        "org": "dept-bench", "applicant_kind": "civil_servant",
        "access_token": u["token"], "expires_at": time.time() + 8 * 3600}}).id
        for u in users}

    @app.get("/_bench/bare/{name}")
    async def bare(name: str) -> HTMLResponse:
        return HTMLResponse(templates.env.get_template(name).render(**templates.seen[name]))

    @app.get("/_bench/times")
    async def read_times() -> JSONResponse:
        out = {k: list(v) for k, v in times.items()}
        times.clear()
        return JSONResponse(out)

    app.add_middleware(ServerTime, times=times)
    return app, sessions


def main() -> None:
    settings = WebSettings()
    users = json.loads(Path(os.environ["WEB_BENCH_USERS"]).read_text())
    app, sessions = build(settings, users)
    Path(os.environ["WEB_BENCH_SESSIONS"]).write_text(json.dumps(sessions))
    serve(app, settings, "WEB_HTTP_PORT")


if __name__ == "__main__":
    main()
