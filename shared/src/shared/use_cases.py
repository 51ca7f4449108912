"""Typed access from routes to a service's use cases.

Each service builds ONE container of its use cases at startup (`runtime.use_cases = ...` in its
wiring); routes take it as a typed FastAPI dependency, never from a string-keyed dict:

    UseCases = Annotated[Applicants, Depends(use_cases(Applicants))]

    async def submit(uc: UseCases, ...) -> ApplicationOut: ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

T = TypeVar("T")


def use_cases(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency returning the running service's container, checked to be a `kind`."""

    async def dependency(request: Request) -> T:
        runtime = getattr(request.app.state, "runtime", None)
        container = getattr(runtime, "use_cases", None)
        if not isinstance(container, kind):
            raise RuntimeError(f"the service's use cases are {type(container).__name__}, not "
                               f"{kind.__name__}: its wiring must set runtime.use_cases")
        return container

    dependency.__name__ = f"use_cases_{kind.__name__}"
    return dependency
