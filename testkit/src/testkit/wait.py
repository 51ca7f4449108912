"""Waiting for something to become true, for callers that watch a system move."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from testkit.http import ApiError

T = TypeVar("T")


async def wait_for(probe: Callable[[], Awaitable[T]], what: str | Callable[[], str],
                   within: float, interval: float = 0.1) -> T:
    """Polls `probe` until it returns something truthy, and returns that. On timeout fails with
    `what` (a callable is asked then, so it can say what it saw last) and the last value (or
    error) seen, so the message says what never happened."""
    deadline = time.monotonic() + within
    last: Any = None
    while True:
        try:
            last = await probe()
            if last:
                return last
        except (httpx.HTTPError, ApiError) as exc:  # a restarting service answers again later
            last = exc
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {within:.0f}s waiting for {said}; "
                                 f"last seen: {_short(last)}")
        await asyncio.sleep(interval)


def _short(value: Any, limit: int = 1500) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
