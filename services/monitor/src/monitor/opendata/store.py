"""SQL of the open-data releases (asyncpg)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from monitor.opendata.periods import Quarter
from monitor.opendata.rules import Cell, cell_of, opportunity_at

# Releases are made one at a time (the timer on every instance, and HR, may race).
RELEASE_LOCK = 0x6F70656E64617461  # "opendata"
_CELL = "scheme, sector, area_type, area_code, size_band"


async def attribute_new_placements(conn: asyncpg.Connection) -> int:
    """Give every confirmed placement not yet counted its cell, from the opportunity as it
    stood when the placement was confirmed. Returns how many were added."""
    confirmed = await conn.fetch(
        """SELECT DISTINCT ON (e.application_id) e.application_id, e.occurred_at, e.payload
           FROM events e WHERE e.event_type = 'PlacementConfirmed'
             AND NOT EXISTS (SELECT 1 FROM open_data_placements p
                             WHERE p.application_id = e.application_id)
           ORDER BY e.application_id, e.occurred_at, e.seq""")
    if not confirmed:
        return 0
    ids = list({str(r["payload"].get("opportunity_id")) for r in confirmed})
    versions: dict[str, list[tuple[datetime, dict[str, Any]]]] = {}
    for r in await conn.fetch(
            """SELECT payload->>'opportunity_id' AS id, occurred_at, payload FROM events
               WHERE event_type IN ('OpportunityPublished', 'OpportunityAmended')
                 AND payload->>'opportunity_id' = ANY($1::text[])
               ORDER BY occurred_at, seq""", ids):
        versions.setdefault(r["id"], []).append((r["occurred_at"], r["payload"]))
    rows = []
    for r in confirmed:
        opp = opportunity_at(versions.get(str(r["payload"].get("opportunity_id")), []),
                             r["occurred_at"])
        c = cell_of(r["payload"], opp)
        rows.append((r["application_id"], r["occurred_at"], c.scheme, c.sector, c.area_type,
                     c.area_code, c.size_band))
    await conn.executemany(
        f"""INSERT INTO open_data_placements (application_id, confirmed_at, {_CELL})
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (application_id) DO NOTHING""",
        rows)
    return len(rows)


async def counts_to(conn: asyncpg.Connection, end: datetime) -> dict[Cell, int]:
    rows = await conn.fetch(f"SELECT {_CELL}, count(*) AS n FROM open_data_placements "
                            f"WHERE confirmed_at < $1 GROUP BY {_CELL}", end)
    return {Cell(*(r[k] for k in ("scheme", "sector", "area_type", "area_code", "size_band"))):
            r["n"] for r in rows}


def cells_list(published: dict[Cell, int]) -> list[list[Any]]:
    return [[*c.__dict__.values(), v] for c, v in sorted(published.items())]


def cells_of(row: asyncpg.Record | None) -> dict[Cell, int]:
    return {} if row is None else {Cell(*c[:5]): c[5] for c in row["cells"]}


async def latest(conn: asyncpg.Connection | asyncpg.Pool) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM open_data_releases ORDER BY period DESC LIMIT 1")


async def insert(conn: asyncpg.Connection, period: Quarter, released_at: datetime,
                 made_by: str, requested_by: str | None, published: dict[Cell, int],
                 files: dict[str, str]) -> None:
    await conn.execute(
        """INSERT INTO open_data_releases (period, period_start, period_end, released_at,
               made_by, requested_by, cells, files)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)""",
        str(period), period.first_day, period.last_day, released_at, made_by, requested_by,
        cells_list(published), files)


async def all_releases(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT period, period_start, period_end, released_at, made_by "
                            "FROM open_data_releases ORDER BY period DESC")


async def release_file(pool: asyncpg.Pool, period: str, name: str) -> str | None:
    return await pool.fetchval(
        "SELECT files->>$2 FROM open_data_releases WHERE period = $1", period, name)


async def release(pool: asyncpg.Pool, period: str) -> asyncpg.Record | None:
    return await pool.fetchrow("SELECT period, period_start, period_end, released_at, made_by "
                               "FROM open_data_releases WHERE period = $1", period)
