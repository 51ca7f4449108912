"""Migrations are their own command: `python -m <service> migrate` applies them and exits (run
once per release by a Job / Helm hook); a production pod does not migrate at start, while
`make run` and the tests (BPS_ENV local/test) still do."""

import os
import subprocess
import sys

import asyncpg
from applicant.app import SPEC
from shared.kafka import ensure_topics
from shared.service import run_service
from shared.settings import ServiceSettings
from shared.testing.kafka import kafka_bootstrap_servers
from shared.testing.postgres import create_database, drop_database
from shared.testing.service import unique_prefix


async def applied(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
            return set()
        return {f"{r['source']}:{r['version']}"
                for r in await conn.fetch("SELECT source, version FROM schema_migrations")}
    finally:
        await conn.close()


def migrate_command(dsn: str) -> subprocess.CompletedProcess:
    # As a production Job runs it: BPS_ENV unset, no identity provider configured.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BPS_", "APPLICANT_"))}
    env["APPLICANT_DATABASE_URL"] = dsn
    return subprocess.run([sys.executable, "-m", "applicant", "migrate"], env=env,
                          capture_output=True, text=True, timeout=120)


async def test_the_migrate_command_applies_the_migrations_once_and_exits():
    dsn = await create_database("migrate")
    try:
        first = migrate_command(dsn)
        assert first.returncode == 0, first.stderr
        done = await applied(dsn)
        assert "applicant:001_init" in done and "shared:001_outbox_inbox" in done
        assert f"{len(done)} migration(s) applied" in first.stdout
        again = migrate_command(dsn)
        assert again.returncode == 0 and "up to date" in again.stdout
        assert await applied(dsn) == done
    finally:
        await drop_database(dsn)


async def test_a_production_pod_does_not_migrate_at_start_but_a_test_one_does():
    bootstrap, prefix = kafka_bootstrap_servers(), unique_prefix()
    await ensure_topics(bootstrap, prefix)
    for environment, expect_migrated in (("production", False), ("test", True)):
        dsn = await create_database("migrate")
        try:
            settings = ServiceSettings(service_name="applicant", environment=environment,
                                       jwks_url=None, kafka_bootstrap_servers=bootstrap,
                                       topic_prefix=prefix, database_url=dsn)
            async with run_service(settings, SPEC.migrations, _no_wiring):
                pass
            assert bool(await applied(dsn)) is expect_migrated, environment
        finally:
            await drop_database(dsn)


async def _no_wiring(_runtime) -> None:
    return None
