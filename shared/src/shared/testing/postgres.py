"""Test databases on the real PostgreSQL: the local throw-away cluster unless BPS_PG_DSN_BASE."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[4]


@functools.cache
def pg_dsn_base() -> str:
    given = os.environ.get("BPS_PG_DSN_BASE")
    if given:
        return given.rstrip("/")
    out = subprocess.run([sys.executable, str(ROOT / "deploy" / "local" / "postgres.py"),
                          "ensure"], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


async def create_database(prefix: str = "test") -> str:
    """A brand-new empty database; returns its DSN."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(f"{pg_dsn_base()}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{pg_dsn_base()}/{name}"


async def drop_database(dsn: str) -> None:
    name = dsn.rsplit("/", 1)[1]
    conn = await asyncpg.connect(f"{pg_dsn_base()}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
