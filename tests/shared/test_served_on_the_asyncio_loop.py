"""Every service is served on the standard asyncio loop. On uvloop (uvicorn's default when it
is installed, as here), a write to a connection the broker has just closed raises RuntimeError
where aiokafka catches only OSError (aio-libs/aiokafka#1038): in the broker-restart chaos run
that ended a consumer's metadata task, after which its commits and coordinator look-ups waited
for ever; the service stayed up and consumed nothing."""

import asyncio

from fastapi import FastAPI
from shared.service import server_config


def test_the_service_server_runs_its_app_on_the_standard_asyncio_loop(settings):
    loop = server_config(FastAPI(), settings).get_loop_factory()()
    try:
        assert type(loop).__module__.startswith("asyncio"), type(loop)
        assert isinstance(loop, asyncio.SelectorEventLoop)
    finally:
        loop.close()
