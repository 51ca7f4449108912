"""asyncpg pool and a small SQL migration runner (ordered files, version table, advisory lock)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import asyncpg

from shared.logging import get_logger

log = get_logger(__name__)
MIGRATION_FILE = re.compile(r"^(\d{3,})_[\w-]+\.sql$")
# Any constant works; it only keeps two processes of one service from migrating at once.
MIGRATION_LOCK_ID = 7_417_001


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads,
                                  schema="pg_catalog")


async def create_pool(dsn: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size,
                                     init=_init_connection, command_timeout=30)


def shared_migrations() -> Path:
    return Path(str(resources.files("shared") / "migrations"))


def _migration_files(directory: Path) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(directory.iterdir()):
        match = MIGRATION_FILE.match(path.name)
        if match:
            found.append((path.stem, path))
    return found


async def migrate(pool: asyncpg.Pool, *directories: Path) -> list[str]:
    """Apply every not-yet-applied migration, shared plumbing first, each in its own transaction."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " source TEXT NOT NULL, version TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (source, version))")
            for directory in (shared_migrations(), *directories):
                applied += await _apply_directory(conn, directory)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    if applied:
        log.info("migrations applied", migrations=applied)
    return applied


async def _apply_directory(conn: asyncpg.Connection, directory: Path) -> list[str]:
    source = "shared" if directory == shared_migrations() else directory.parent.name
    done = {r["version"] for r in await conn.fetch(
        "SELECT version FROM schema_migrations WHERE source = $1", source)}
    applied = []
    for version, path in _migration_files(directory):
        if version in done:
            continue
        async with conn.transaction():
            await conn.execute(path.read_text())
            await conn.execute("INSERT INTO schema_migrations (source, version) VALUES ($1, $2)",
                               source, version)
        applied.append(f"{source}:{version}")
    return applied
