"""Test databases on the real PostgreSQL: the local throw-away cluster unless BPS_PG_DSN_BASE."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import uuid

import asyncpg


@functools.cache
def pg_dsn_base() -> str:
    given = os.environ.get("BPS_PG_DSN_BASE")
    if given:
        return given.rstrip("/")
    out = subprocess.run([sys.executable, "-m", "bps_local.postgres", "ensure"], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


async def create_database(prefix: str = "test", base: str | None = None) -> str:
    """A brand-new empty database (on `base`, default pg_dsn_base()); returns its DSN."""
    base = (base or pg_dsn_base()).rstrip("/")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


async def drop_database(dsn: str) -> None:
    """Drop the database of `dsn`, on the server `dsn` names."""
    base, name = dsn.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
