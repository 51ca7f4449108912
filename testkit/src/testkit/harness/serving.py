"""Serve an ASGI app in this event loop on a free loopback port, for tests that need a real
HTTP server (a browser, a streaming client) in front of an app they built themselves."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn


@contextlib.asynccontextmanager
async def served(app, lifespan: str = "on", **config) -> AsyncIterator[str]:
    """Yields the base URL; `lifespan="off"` for an app whose lifespan the caller runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan=lifespan, log_config=None, **config))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()
