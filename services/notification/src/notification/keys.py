"""Data keys for opening the sealed contact details of ApplicationSubmitted v2.

The applicant service holds each person's data key and hands it only to allowed service
principals. Once the person is erased the key is gone (404) and the sealed copy, here or in
Kafka, is unreadable: we simply keep no contact for them. Only the delivery worker calls this,
never a consumer: an applicant-service outage delays applicants' emails, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import httpx
from shared.crypto import SealError, decode_key, unseal
from shared.logging import get_logger
from shared.workers import GRACE_SECONDS, WorkerLoop

from contracts import ApplicationSubmittedV2
from notification import repository as repo
from shared import erasure

log = get_logger(__name__)
BATCH = 50


class DataKeyClient:
    """One long-lived HTTP client (connection pooling), made on first use."""

    def __init__(self, base_url: str, token: Callable[[], str], timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._http: httpx.AsyncClient | None = None

    async def key_for(self, key_id: str) -> bytes | None:
        """The person's data key; None once they are erased. ConnectionError while the
        applicant service is away or failing (try again later)."""
        if self._http is None:
            self._http = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout)
        try:
            r = await self._http.get(f"/internal/data-keys/{key_id}",
                                     headers={"Authorization": f"Bearer {self.token()}"})
        except httpx.TransportError as exc:
            raise ConnectionError(f"applicant service unreachable: {exc!r}") from exc
        if r.status_code == 404:
            return None  # erased (or never sealed anything)
        if r.status_code >= 500:
            raise ConnectionError(f"applicant service answered {r.status_code}")
        r.raise_for_status()
        return decode_key(r.json()["key"])

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


class ContactOpener:
    """Opens kept sealed contact details into the contact directory, in its own task: a slow
    or absent applicant service holds up nothing but the emails waiting for these addresses
    (which wait without spending attempts; see DeliveryWorker.address_ready)."""

    def __init__(self, pool: asyncpg.Pool, keys: DataKeyClient, recheck_seconds: float,
                 on_opened: Callable[[], None], grace_seconds: float = GRACE_SECONDS) -> None:
        self.pool = pool
        self.keys = keys
        self.recheck_seconds = recheck_seconds
        self.on_opened = on_opened
        # A database failure is retried after recheck_seconds (WorkerLoop's back-off).
        self._loop = WorkerLoop("notification-contact-opener", self._step, recheck_seconds,
                                grace_seconds=grace_seconds)

    def wake(self) -> None:
        self._loop.wake()

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        """The batch being opened finishes (each row commits on its own), then the loop ends."""
        await self._loop.stop()
        await self.keys.close()

    async def _step(self) -> bool:
        # A full batch means more may be due already: WorkerLoop goes again at once.
        return await self.open_due() >= BATCH

    async def open_due(self) -> int:
        """Opens what is due; returns how many rows it settled."""
        settled = 0
        for row in await repo.due_sealed(self.pool, BATCH):
            try:
                key = await self.keys.key_for(row["sealed"]["key_id"])
            except ConnectionError as exc:
                log.warning("applicant service away; applicants' emails wait for their address",
                            error=repr(exc))
                break  # it is away for every row: look again after recheck_seconds
            except httpx.HTTPStatusError as exc:  # refused (e.g. 403): keep it, try later
                log.error("data key refused", status=exc.response.status_code)
                await repo.try_sealed_later(self.pool, row["applicant_id"],
                                            row["application_id"], self.recheck_seconds)
                continue
            settled += 1
            await self._settle(row, key)
        if settled:
            self.on_opened()
        return settled

    async def _settle(self, row: asyncpg.Record, key: bytes | None) -> None:
        applicant_id, application_id = row["applicant_id"], row["application_id"]
        contact = None
        if key is not None:
            context = ApplicationSubmittedV2.contact_context(application_id, applicant_id)
            try:
                contact = unseal(key, row["sealed"], context)
            except SealError as exc:
                log.error("sealed contact does not open; dropped", error=str(exc))
        async with self.pool.acquire() as conn, conn.transaction():
            # The erasure check first: it takes the erasure lock before any row lock.
            erased = await erasure.is_erased(conn, applicant_id)
            if not await repo.take_sealed(conn, applicant_id, application_id) or erased:
                return  # erased meanwhile: nothing to keep
            if contact is not None:
                await repo.upsert_contact(conn, applicant_id, contact["email"],
                                          contact.get("name"), "application")
                if contact.get("name"):
                    await repo.fill_in_name(conn, applicant_id, contact["name"])
                await repo.due_now_for(conn, applicant_id)
