"""Readiness means "can serve": started, not draining, database reachable; Kafka's state is a
detail of /healthz, never a reason to leave the load balancer. A worker's step in progress
finishes on stop instead of being cut off."""

import asyncio
import signal

import httpx
import uvicorn
from shared.service import DrainingServer, build_service_app, run_service
from shared.spec import ServiceSpec
from shared.workers import WorkerLoop
from testkit.harness.events import eventually

from .conftest import MIGRATIONS


def kit_spec() -> ServiceSpec:
    return ServiceSpec(name="kit", title="kit", description="test", migrations=MIGRATIONS,
                       build=lambda rt: rt)


async def _get(app, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://kit") as client:
        return await client.get(path)


async def test_readiness_holds_while_the_broker_is_unreachable_and_health_says_so(settings):
    spec = kit_spec()
    app = build_service_app(settings, spec)
    async with run_service(settings, spec.migrations, spec.wire) as runtime:
        app.state.runtime = runtime
        assert (await _get(app, "/readyz")).status_code == 200

        async def unreachable(*_args, **_kwargs) -> bool:
            return False

        runtime.broker.ping = unreachable  # the broker stops answering
        ready = await _get(app, "/readyz")
        assert ready.status_code == 200, ready.json()
        assert "kafka" not in ready.json()["checks"]
        health = await _get(app, "/healthz")
        assert health.status_code == 200 and health.json()["kafka"] == "unreachable"


async def test_readiness_is_503_before_start_and_from_sigterm_on(settings, monkeypatch):
    spec = kit_spec()
    app = build_service_app(settings, spec)
    before = await _get(app, "/readyz")
    assert before.status_code == 503 and before.json()["checks"]["started"] is False
    async with run_service(settings, spec.migrations, spec.wire) as runtime:
        app.state.runtime = runtime
        # uvicorn's own handler (which sse-starlette patches process-wide to end every open
        # stream) must not run inside the test process: only what DrainingServer adds.
        exits = []
        monkeypatch.setattr(uvicorn.Server, "handle_exit",
                            lambda _self, sig, _frame: exits.append(sig))
        DrainingServer(uvicorn.Config(app)).handle_exit(signal.SIGTERM, None)
        assert exits == [signal.SIGTERM]  # uvicorn still gets the signal to shut down
        draining = await _get(app, "/readyz")
        assert draining.status_code == 503 and draining.json()["checks"]["draining"] is True


async def test_stopping_a_worker_lets_the_step_in_progress_finish():
    entered, release, finished = asyncio.Event(), asyncio.Event(), []

    async def step() -> bool:
        entered.set()
        await release.wait()
        finished.append("sent")
        return False

    loop = WorkerLoop("kit", step, poll_seconds=60)
    await loop.start()
    await asyncio.wait_for(entered.wait(), 5)
    stopping = asyncio.create_task(loop.stop(grace_seconds=10))
    await asyncio.sleep(0)  # stop() is now waiting on the step, not cancelling it
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert finished == ["sent"]


async def test_a_step_that_outlives_the_grace_period_is_cancelled():
    entered, cancelled = asyncio.Event(), []

    async def step() -> bool:
        entered.set()
        try:
            await asyncio.Event().wait()  # never finishes by itself
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return False

    loop = WorkerLoop("kit", step, poll_seconds=60)
    await loop.start()
    await asyncio.wait_for(entered.wait(), 5)
    await asyncio.wait_for(loop.stop(grace_seconds=0.2), 5)
    assert cancelled == [True]


async def test_the_loops_own_grace_period_bounds_a_stop_without_arguments():
    entered, cancelled = asyncio.Event(), []

    async def step() -> bool:
        entered.set()
        try:
            await asyncio.Event().wait()  # a send the server never answers
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return False

    # As a service sets it from its settings (e.g. NOTIFICATION_SHUTDOWN_GRACE_SECONDS).
    loop = WorkerLoop("kit", step, poll_seconds=60, grace_seconds=0.2)
    await loop.start()
    await asyncio.wait_for(entered.wait(), 5)
    await asyncio.wait_for(loop.stop(), 5)
    assert cancelled == [True]


async def test_a_stop_during_a_full_batch_starts_no_further_step():
    entered, release, calls = asyncio.Event(), asyncio.Event(), []

    async def step() -> bool:
        calls.append("step")
        entered.set()
        await release.wait()
        return True  # "more is waiting": without the stop the loop would go again at once

    loop = WorkerLoop("kit", step, poll_seconds=60)
    await loop.start()
    await asyncio.wait_for(entered.wait(), 5)
    stopping = asyncio.create_task(loop.stop())
    await asyncio.sleep(0)  # stop() is now waiting on the step
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert calls == ["step"]


async def test_a_wake_up_during_a_step_is_not_lost():
    calls, release = [], asyncio.Event()

    async def step() -> bool:
        calls.append("step")
        if len(calls) == 1:
            await release.wait()
        return False

    loop = WorkerLoop("kit", step, poll_seconds=60)  # only the wake-up can start step two
    await loop.start()
    try:
        await eventually(lambda: len(calls) == 1, timeout=5)
        loop.wake()  # new work arrives while the first step is still running
        release.set()
        await eventually(lambda: len(calls) == 2, timeout=5)
    finally:
        await loop.stop()
