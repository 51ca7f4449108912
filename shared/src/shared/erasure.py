"""Tombstones for erased applicants, so no event can bring their data back.

`ApplicantErased` is keyed by applicant and an application's events by application, so they
sit on different partitions and arrive in any order (and a replay or a dead-letter replay can
bring an old submission back much later). Each consumer therefore records the erasure here
(`record`) in the transaction that erases, and asks `is_erased` before writing what an event
says about a person.

A per-applicant advisory lock orders the two: the erasure takes it exclusively, a writer shared,
so a writer either commits before the erasure (whose deletes then see its rows) or waits for it
and sees the tombstone. The table lives in every service's database (shared migration 004).
"""

from __future__ import annotations

import asyncpg

# The first half of the two-int advisory lock key: erasure locks, apart from other locks.
LOCK_CLASS = 7_417_004


async def record(conn: asyncpg.Connection, applicant_id: str) -> None:
    """Call first in the erasing transaction: waits for writers of this applicant to finish."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", LOCK_CLASS,
                       applicant_id)
    await conn.execute("INSERT INTO erased_applicants (applicant_id) VALUES ($1)"
                       " ON CONFLICT (applicant_id) DO NOTHING", applicant_id)


async def is_erased(conn: asyncpg.Connection, applicant_id: str) -> bool:
    """Call in the writing transaction before writing about the applicant; the shared lock
    holds an erasure off until this transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock_shared($1, hashtext($2))", LOCK_CLASS,
                       applicant_id)
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM erased_applicants WHERE applicant_id = $1)",
        applicant_id))
