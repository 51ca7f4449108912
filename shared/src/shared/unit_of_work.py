"""Unit of work: one connection, one transaction, the outbox's events held and written at the
end of it, and hooks run once it has committed.

Every command (an HTTP use case, a consumer's batch) opens exactly one, in one layer:

    async with self.units() as uow:               # acquire, BEGIN
        row = await repo.something(uow.conn, ...)
        await uow.publish(event)                  # an outbox row, written before COMMIT
        uow.after_commit(worker.wake)             # runs after COMMIT, never on rollback

A consumer that already holds a connection (to redo a failed batch record by record on it)
opens one with `units.on(conn)`.

`execute_held(conn, sql, *args)` is for effect rows nothing in the same transaction reads back
(an append, a counter bump): inside `holding_writes(conn)` (a consumer's batch) they are held
and written just before COMMIT, one `executemany` per run of the same statement, in the order
they were added; anywhere else they are executed at once. A batch of 100 events then costs
one round trip for its effect rows instead of 100, which was a third of a hop's time.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg

from contracts import Event
from shared.logging import get_logger
from shared.outbox import Outbox

log = get_logger(__name__)
AfterCommit = Callable[[], Awaitable[None]]
# The connection whose statements are being held, and the held (sql, args) in add order.
_held: contextvars.ContextVar[tuple[asyncpg.Connection, list[tuple[str, tuple]]] | None] = \
    contextvars.ContextVar("held_writes", default=None)


async def execute_held(conn: asyncpg.Connection, sql: str, *args: Any) -> None:
    """Run `sql` now, or hold it to the end of `holding_writes(conn)`. Only for statements
    whose result nobody needs and whose rows nothing later in the transaction reads."""
    held = _held.get()
    if held is not None and held[0] is conn:
        held[1].append((sql, args))
    else:
        await conn.execute(sql, *args)


@contextlib.asynccontextmanager
async def holding_writes(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Hold `execute_held` statements on `conn` and write them at the end, in add order (one
    executemany per run of the same statement). Nothing is written if the body raises."""
    writes: list[tuple[str, tuple]] = []
    token = _held.set((conn, writes))
    try:
        yield
    finally:
        _held.reset(token)
    for sql, run in itertools.groupby(writes, key=lambda w: w[0]):
        rows = [args for _, args in run]
        if len(rows) == 1:  # execute is one round trip; executemany pipelines several rows
            await conn.execute(sql, *rows[0])
        else:
            await conn.executemany(sql, rows)


class UnitOfWork:
    """What a use case writes through while its transaction is open."""

    def __init__(self, conn: asyncpg.Connection, outbox: Outbox | None) -> None:
        self.conn = conn
        self.outbox = outbox
        self._hooks: list[AfterCommit] = []

    async def publish(self, *events: Event) -> None:
        """Add events to the outbox; held, they are written in one round trip just before
        COMMIT, in order (so do code that calls `outbox.add(uow.conn, ...)` itself)."""
        if self.outbox is None:
            raise RuntimeError("this unit of work has no outbox: build UnitsOfWork with one")
        await self.outbox.add(self.conn, *events)

    def after_commit(self, hook: AfterCommit | None) -> None:
        """Run `hook` once the transaction has committed (wake a worker, send a reply)."""
        if hook is not None:
            self._hooks.append(hook)

    async def _run_hooks(self) -> None:
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            try:
                await hook()
            except Exception as exc:  # noqa: BLE001 - the work is committed; say so, go on
                log.warning("after-commit hook failed", hook=repr(hook), error=repr(exc))


class UnitsOfWork:
    """Opens units of work on a pool; one per service, shared by its use cases."""

    def __init__(self, pool: asyncpg.Pool, outbox: Outbox | None = None) -> None:
        self.pool = pool
        self.outbox = outbox

    def __call__(self) -> AbstractAsyncContextManager[UnitOfWork]:
        return self._acquired()

    @contextlib.asynccontextmanager
    async def _acquired(self) -> AsyncIterator[UnitOfWork]:
        async with self.pool.acquire() as conn, self.on(conn) as uow:
            yield uow

    @contextlib.asynccontextmanager
    async def on(self, conn: asyncpg.Connection) -> AsyncIterator[UnitOfWork]:
        """A unit of work on a connection the caller holds: BEGIN here, COMMIT at the end (or
        ROLLBACK if the body raises, and then no event is written and no hook runs)."""
        uow = UnitOfWork(conn, self.outbox)
        held = self.outbox.held(conn) if self.outbox else contextlib.nullcontext()
        async with conn.transaction(), held:
            yield uow
        await uow._run_hooks()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for queries: no transaction, nothing to publish."""
        async with self.pool.acquire() as conn:
            yield conn
