"""The delivery worker. It claims due rows (status -> sending) and COMMITS before sending, so a
crash mid-send leaves the row at `sending`, which is never sent again: after
`stuck_after_seconds` it becomes technical-failure (an in-app message, which never leaves our
database, is requeued instead). Each outcome and its NotificationDelivered /
NotificationFailed event commit in one transaction. Rows that cannot be sent yet (over the
recipient's rate, or an applicant whose address has not arrived) are deferred at the claim,
before it counts an attempt. On shutdown the round in flight finishes its sends and records
them (within `shutdown_grace_seconds`), so a restart leaves no message in doubt."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from email.message import EmailMessage

import aiosmtplib
import asyncpg
import httpx
from shared.errors import DATABASE_UNAVAILABLE
from shared.logging import get_logger
from shared.outbox import Outbox
from shared.workers import WorkerLoop

from contracts import Event, NotificationDelivered, NotificationFailed
from notification import repository as repo
from notification.config import NotificationSettings
from notification.domain import (
    APPLICANT_ROLE,
    EMAIL,
    INBOX,
    RESENDABLE_AFTER_CRASH,
    WEBHOOK,
    Outcome,
    Recipient,
    Status,
    address_wait,
    after_failure,
    awaits_address,
    backoff_seconds,
    http_outcome,
    no_address,
    sign,
    smtp_reply_outcome,
    take_token,
)
from notification.keys import ContactOpener, DataKeyClient

log = get_logger(__name__)
RECOVERY_EVERY_SECONDS = 1.0


def delivery_event(row: asyncpg.Record, outcome: Outcome) -> Event:
    common = dict(producer="notification", correlation_id=row["correlation_id"],
                  causation_id=row["source_event_id"], notification_id=row["id"],
                  source_event_id=row["source_event_id"],
                  source_event_type=row["source_event_type"], channel=row["channel"],
                  recipient_id=row["recipient_id"], application_id=row["application_id"],
                  attempts=max(1, row["attempts"]))
    if outcome.status is Status.DELIVERED:
        return NotificationDelivered(detail=outcome.detail or None, **common)
    return NotificationFailed(status=outcome.status.value, detail=outcome.detail or "failed",
                              **common)


class Senders:
    """The three channels. Each returns an Outcome and never raises."""

    def __init__(self, settings: NotificationSettings, pool: asyncpg.Pool) -> None:
        self.settings = settings
        self.pool = pool
        self.http = httpx.AsyncClient(timeout=settings.send_timeout_seconds,
                                      follow_redirects=False)

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, row: asyncpg.Record) -> Outcome:
        channel = row["channel"]
        if channel == INBOX:
            return Outcome(Status.DELIVERED, "in the recipient's inbox")
        if channel == EMAIL:
            return await self.email(row)
        if channel == WEBHOOK:
            return await self.webhook(row)
        return Outcome(Status.PERMANENT_FAILURE, f"unknown channel {channel}")

    async def email_address(self, row: asyncpg.Record) -> str | None:
        """None for an applicant whose address we have not read yet."""
        recipient = Recipient(row["recipient_role"], row["recipient_user"], row["recipient_org"])
        ids = [recipient.id] + ([recipient.org] if recipient.org else [])
        async with self.pool.acquire() as conn:
            contact = await repo.get_contact(conn, *ids)
        if contact:
            return contact["email"]
        if recipient.role == APPLICANT_ROLE:
            # An applicant's address comes only with their application, on another topic than
            # (say) NoMatchFound, so it may not be read yet; a guessed address would go astray.
            return None
        return self.settings.default_email_pattern.format(name=recipient.email_local_part())

    async def email(self, row: asyncpg.Record) -> Outcome:
        to = await self.email_address(row)
        if to is None:
            # The claim only lets an applicant's email through once their address is known, so
            # it went in between (erasure): there is nobody to send it to any more.
            return Outcome(Status.PERMANENT_FAILURE, "the applicant's address is gone; not sent")
        msg = EmailMessage()
        msg["From"] = self.settings.smtp_sender
        msg["To"] = to
        msg["Subject"] = row["subject"]
        msg["Message-ID"] = f"<{row['id']}@notification.placements.example>"
        msg["X-BPS-Notification-Id"] = str(row["id"])
        msg.set_content(row["body"])
        s = self.settings
        try:
            await aiosmtplib.send(msg, hostname=s.smtp_host, port=s.smtp_port,
                                  timeout=s.send_timeout_seconds, start_tls=False,
                                  use_tls=False)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            return smtp_reply_outcome(first.code, first.message)
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError,
                aiosmtplib.SMTPHeloError) as exc:
            return smtp_reply_outcome(exc.code, exc.message)
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError,
                ConnectionRefusedError) as exc:
            return Outcome(Status.TEMPORARY_FAILURE, f"SMTP server unreachable: {exc}")
        except Exception as exc:  # noqa: BLE001 - cut off mid-conversation: may have arrived
            return Outcome(Status.TECHNICAL_FAILURE, f"SMTP conversation failed: {exc!r}")
        return Outcome(Status.DELIVERED, f"accepted by SMTP server for {_mask(to)}")

    async def webhook(self, row: asyncpg.Record) -> Outcome:
        async with self.pool.acquire() as conn:
            hook = await repo.webhook_for(conn, row["recipient_org"] or "")
        if hook is None:
            return Outcome(Status.PERMANENT_FAILURE, "the organisation has no webhook registered")
        body = json.dumps({"notification_id": str(row["id"]),
                           "source_event_id": str(row["source_event_id"]),
                           "recipient_id": row["recipient_id"], **row["payload"]},
                          separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-BPS-Timestamp": timestamp,
                   "X-BPS-Signature": sign(hook["secret"], timestamp, body),
                   "X-BPS-Notification-Id": str(row["id"])}
        try:
            response = await self.http.post(hook["url"], content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return Outcome(Status.TEMPORARY_FAILURE, f"receiver unreachable: {exc!r}")
        except httpx.HTTPError as exc:
            # Sent but unanswered: the receiver may have acted on it, so never resend.
            return Outcome(Status.TECHNICAL_FAILURE, f"no answer from receiver: {exc!r}")
        return http_outcome(response.status_code)


def _mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


class DeliveryWorker:
    """Claims, sends and records batches in a shared.workers.WorkerLoop. Stopping lets the
    round in flight finish its sends and record their outcomes (for at most
    `shutdown_grace_seconds`), then claims nothing more."""

    def __init__(self, settings: NotificationSettings, pool: asyncpg.Pool, outbox: Outbox,
                 senders: Senders, keys: DataKeyClient | None = None) -> None:
        self.settings = settings
        self.pool = pool
        self.outbox = outbox
        self.senders = senders
        self._last_recovery = 0.0
        # This process's claims, and the rows among them whose send has begun (until their
        # outcome is recorded): see repository.requeue_unattempted.
        self.instance = uuid.uuid4()
        self._attempted: set[uuid.UUID] = set()
        grace = settings.shutdown_grace_seconds
        self._loop = WorkerLoop("notification-delivery", self._step,
                                settings.worker_poll_seconds, grace_seconds=grace)
        keys = keys or DataKeyClient(settings.applicant_url, settings.applicant_token)
        # Applicants' addresses arrive sealed; opened beside this loop, never inside a consumer.
        self.opener = ContactOpener(pool, keys, settings.address_recheck_seconds,
                                    self._loop.wake, grace)

    def wake(self) -> None:
        self._loop.wake()
        self.opener.wake()

    async def start(self) -> None:
        await self._loop.start()
        await self.opener.start()

    async def stop(self) -> None:
        # Both loops drain side by side, so the whole stop takes at most one grace period.
        await asyncio.gather(self._loop.stop(), self.opener.stop())
        # Claims of ours whose send never began (a round cut off past the grace period
        # between its claim and its sends) go back to the queue rather than wait to be
        # called "in doubt"; the rows whose send began stay `sending` for the stuck-row rule.
        with contextlib.suppress(Exception):
            async with self.pool.acquire() as conn:
                await repo.requeue_unattempted(conn, self.instance, self._attempted)
        await self.senders.close()

    async def _step(self) -> bool:
        """One round (WorkerLoop runs it); True when a full batch went, so more may wait."""
        await self.recover_stuck()
        return await self.run_once() >= self.settings.worker_batch_size

    async def run_once(self) -> int:
        """Claim, send and record one batch; returns how many were sent."""
        claimed = await self.claim()
        await asyncio.gather(*(self.deliver(row) for row in claimed))
        return len(claimed)

    async def claim(self) -> list[asyncpg.Record]:
        s = self.settings
        async with self.pool.acquire() as conn, conn.transaction():
            candidates = await repo.claim_candidates(conn, s.worker_batch_size)
            now = await repo.db_epoch(conn)
            allowed = []
            # Lock buckets in one global order so two workers never deadlock on them.
            for c in sorted(candidates, key=lambda c: (c["recipient_id"], c["channel"])):
                # The address first: a row that cannot be sent yet must not spend a token.
                if await self.address_ready(conn, c) and await self.within_rate(conn, c, now):
                    allowed.append(c["id"])
            return await repo.mark_sending(conn, allowed, self.instance) if allowed else []
        # committed: from here on these rows are `sending` and will never be claimed again

    async def address_ready(self, conn: asyncpg.Connection, c: asyncpg.Record) -> bool:
        """False while an applicant's email waits for their address. Waiting is a deferral, not
        an attempt (no event, attempts unchanged); past the window the row fails for good."""
        if not awaits_address(c["channel"], c["recipient_role"], c["has_contact"]):
            return True
        s = self.settings
        wait = address_wait(c["age_seconds"], s.address_window_seconds,
                            s.address_recheck_seconds)
        if wait is not None:
            await repo.defer(conn, c["id"], wait)
            return False
        outcome = no_address(s.address_window_seconds)
        row = await repo.give_up(conn, c["id"], outcome.detail)
        if row is not None:
            await self.outbox.add(conn, delivery_event(row, outcome))
            log.warning("gave up waiting for an applicant's address",
                        notification_id=str(row["id"]))
        return False

    async def within_rate(self, conn: asyncpg.Connection, c: asyncpg.Record, now: float
                          ) -> bool:
        s = self.settings
        bucket = await repo.get_bucket(conn, c["recipient_id"], c["channel"])
        ok, bucket, wait = take_token(bucket, now, s.rate_per_minute, s.rate_burst)
        await repo.put_bucket(conn, c["recipient_id"], c["channel"], bucket)
        if not ok:  # over the recipient's rate: deferred, never dropped
            await repo.defer(conn, c["id"], wait)
        return ok

    async def deliver(self, row: asyncpg.Record) -> None:
        self._attempted.add(row["id"])  # before the first await: recovery must not requeue it
        try:
            outcome = await self.senders.send(row)
        except DATABASE_UNAVAILABLE:
            # Only the look-ups before a send (address, webhook) reach the database, and every
            # error of the send itself becomes an outcome: nothing went, so recovery may put
            # the row back in the queue rather than later call it "in doubt".
            self._attempted.discard(row["id"])
            raise
        s = self.settings
        outcome = after_failure(outcome, row["attempts"], s.max_attempts)
        retry_in = None
        if outcome.status is Status.TEMPORARY_FAILURE:
            retry_in = backoff_seconds(row["attempts"], s.retry_base_seconds, s.retry_cap_seconds)
        await self._record_outcome(row, outcome, retry_in)
        self._attempted.discard(row["id"])
        log.info("delivery attempt", notification_id=str(row["id"]), channel=row["channel"],
                 status=outcome.status.value, attempts=row["attempts"])
        if retry_in is not None:
            asyncio.get_running_loop().call_later(retry_in, self.wake)

    async def _record_outcome(self, row: asyncpg.Record, outcome: Outcome,
                              retry_in: float | None) -> None:
        """The send has happened: if the database is away (restarting, failing over), wait
        for it rather than drop the outcome, which recovery would later call "in doubt"."""
        delay, deadline = 0.5, time.monotonic() + self.settings.stuck_after_seconds
        while True:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    updated = await repo.finish(conn, row["id"], outcome.status,
                                                outcome.detail, retry_in)
                    if updated is not None and outcome.status is not Status.TEMPORARY_FAILURE:
                        await self.outbox.add(conn, delivery_event(updated, outcome))
                return
            except DATABASE_UNAVAILABLE as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("could not record a delivery outcome; retrying",
                            notification_id=str(row["id"]), error=repr(exc))
                await asyncio.sleep(delay)  # a back-off, not a wait for a condition
                delay = min(delay * 2, 5.0)

    async def recover_stuck(self) -> None:
        if time.monotonic() - self._last_recovery < RECOVERY_EVERY_SECONDS:
            return
        self._last_recovery = time.monotonic()
        stuck_after = self.settings.stuck_after_seconds
        async with self.pool.acquire() as conn, conn.transaction():
            if await repo.requeue_unattempted(conn, self.instance, self._attempted):
                self.wake()
            if await repo.requeue_stuck(conn, stuck_after, RESENDABLE_AFTER_CRASH):
                self.wake()
            rows = await repo.fail_stuck(conn, stuck_after, RESENDABLE_AFTER_CRASH)
            for row in rows:
                outcome = Outcome(Status.TECHNICAL_FAILURE, row["last_error"])
                await self.outbox.add(conn, delivery_event(row, outcome))
        for row in rows:
            log.warning("message stuck in sending; marked technical-failure",
                        notification_id=str(row["id"]))
