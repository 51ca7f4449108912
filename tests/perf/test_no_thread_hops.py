"""The write path stays on the event loop: FastAPI runs every plain `def` dependency in its
thread pool, and on `POST /applications` those hops cost more than the checks themselves
(profiled for the http_intake bench). Guards the fix against a `def` slipping back in."""

import inspect

from applicant.api import router as applicant_routes
from approval.api import router as approval_routes
from fastapi.routing import APIRoute


def _sync_dependencies(router, method: str, path: str) -> list[str]:
    route = next(r for r in router.routes
                 if isinstance(r, APIRoute) and r.path == path and method in r.methods)
    found, todo = [], list(route.dependant.dependencies)
    while todo:
        dep = todo.pop()
        todo.extend(dep.dependencies)
        call = dep.call
        target = call if inspect.isfunction(call) else type(call).__call__
        if not inspect.iscoroutinefunction(target):
            found.append(getattr(call, "__qualname__", repr(call)))
    return found


def test_submitting_an_application_runs_no_dependency_in_the_thread_pool():
    assert _sync_dependencies(applicant_routes, "POST", "/applications") == []


def test_deciding_an_approval_stage_runs_no_dependency_in_the_thread_pool():
    assert _sync_dependencies(approval_routes, "POST", "/stages/{stage_id}/decision") == []
