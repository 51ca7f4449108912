"""SQL of research extracts and their log (asyncpg)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

LOG_COLUMNS = """id, requested_by, requested_at, purpose, schemes, min_group, row_counts,
    suppressed, withheld, expires_at, files IS NOT NULL AS available"""


async def erased_applicants(pool: asyncpg.Pool) -> set[str]:
    return {r["applicant_id"] for r in await pool.fetch(
        "SELECT applicant_id FROM erased_applicants")}


async def insert(pool: asyncpg.Pool, row: dict[str, Any]) -> asyncpg.Record:
    return await pool.fetchrow(
        f"""INSERT INTO research_extracts (id, requested_by, purpose, schemes, min_group,
               row_counts, suppressed, withheld, expires_at, files)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10::jsonb)
            RETURNING {LOG_COLUMNS}""",
        row["id"], row["requested_by"], row["purpose"], row["schemes"], row["min_group"],
        row["row_counts"], row["suppressed"], row["withheld"], row["expires_at"], row["files"])


async def forget_expired_files(pool: asyncpg.Pool, now: datetime) -> None:
    """The log row stays for good; the data itself goes once the extract expires."""
    await pool.execute("UPDATE research_extracts SET files = NULL "
                       "WHERE files IS NOT NULL AND expires_at <= $1", now)


async def log(pool: asyncpg.Pool, requested_by: str | None, limit: int) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"SELECT {LOG_COLUMNS} FROM research_extracts WHERE $1::text IS NULL "
        "OR requested_by = $1 ORDER BY requested_at DESC LIMIT $2", requested_by, limit)


async def one(pool: asyncpg.Pool, extract_id: UUID, requested_by: str
              ) -> asyncpg.Record | None:
    return await pool.fetchrow(
        f"SELECT {LOG_COLUMNS} FROM research_extracts WHERE id = $1 AND requested_by = $2",
        extract_id, requested_by)


async def file(pool: asyncpg.Pool, extract_id: UUID, requested_by: str, name: str,
               now: datetime) -> str | None:
    return await pool.fetchval(
        "SELECT files->>$3 FROM research_extracts WHERE id = $1 AND requested_by = $2 "
        "AND expires_at > $4", extract_id, requested_by, name, now)
