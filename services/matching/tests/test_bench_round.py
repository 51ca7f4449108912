import uuid
from contextlib import asynccontextmanager

from shared.kafka import ensure_topics
from testkit.harness.kafka import kafka_bootstrap_servers
from testkit.harness.postgres import create_database, drop_database


@asynccontextmanager
async def bench_place(database: str):
    """A fresh topic prefix and database for one benchmark run; the database is dropped after."""
    bootstrap = kafka_bootstrap_servers()
    prefix = f"tbench{uuid.uuid4().hex[:6]}."
    await ensure_topics(bootstrap, prefix)
    dsn = await create_database(database)
    try:
        yield {"bootstrap": bootstrap, "database_url": dsn, "topic_prefix": prefix}
    finally:
        await drop_database(dsn)


async def test_the_round_benchmark_runs_and_agrees_with_the_bare_algorithm():
    from tests.perf import matching_round as module
    async with bench_place("matchbench") as place:
        result = await module.bench_round(400, 40, **place)
    assert result["matched"] > 0 and result["service_seconds"] > 0
    assert result["algorithm_seconds"] > 0


async def test_the_ranked_round_benchmark_runs_and_agrees_with_the_bare_algorithm():
    from tests.perf import matching_ranked as module
    async with bench_place("matchranked") as place:
        result = await module.bench_ranked_round(400, 40, 300, **place)
    assert result["matched"] > 0 and result["ranked_lists"] > 0
    assert result["choices"] >= result["ranked_lists"]
