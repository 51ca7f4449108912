"""The throw-away PostgreSQL cluster serves one database per service, reachable with asyncpg."""

import asyncpg
import pytest
from contracts.topics import SERVICES
from testkit.harness.postgres import pg_dsn_base


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_database_accepts_a_write_transaction_over_asyncpg(service):
    conn = await asyncpg.connect(f"{pg_dsn_base()}/{service}")
    try:
        async with conn.transaction():
            await conn.execute("CREATE TEMP TABLE probe (n int) ON COMMIT DROP")
            await conn.execute("INSERT INTO probe VALUES (1), (2)")
            assert await conn.fetchval("SELECT sum(n) FROM probe") == 3
        assert await conn.fetchval("SELECT current_database()") == service
    finally:
        await conn.close()
