"""The notification service's HTTP use cases in one typed container: the caller's inbox and
notifications, hosts' webhooks, central HR's contacts. Each command is one unit of work."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import asyncpg
from shared.auth import Caller
from shared.errors import NotFound
from shared.outbox import Outbox
from shared.unit_of_work import UnitsOfWork

from notification import repository as repo
from notification.domain import Recipient, can_see
from notification.schemas import ContactOut, InboxItem, Notification, WebhookOut


@dataclass(frozen=True)
class MessageQuery:
    status: str | None = None
    channel: str | None = None
    application_id: uuid.UUID | None = None
    unread_only: bool = False
    limit: int = 50
    offset: int = 0


class NotificationUseCases:
    def __init__(self, pool: asyncpg.Pool, outbox: Outbox | None = None) -> None:
        self.units = UnitsOfWork(pool, outbox)

    # --- inbox and notifications (HR sees every notification) ------------------------------

    async def inbox(self, caller: Caller, query: MessageQuery) -> list[InboxItem]:
        async with self.units.read() as conn:
            rows = await repo.list_messages(
                conn, caller=_who(caller), channel="inbox", status="delivered",
                unread_only=query.unread_only, application_id=None, limit=query.limit,
                offset=query.offset)
        return [InboxItem.of(r) for r in rows]

    async def mark_read(self, caller: Caller, message_id: uuid.UUID) -> InboxItem:
        async with self.units() as uow:
            row = await repo.get_message(uow.conn, message_id)
            if row is None or row["channel"] != "inbox" or not _visible(row, caller):
                raise NotFound(f"no inbox message {message_id} for you", "message_id")
            row = await repo.mark_read(uow.conn, message_id)
        return InboxItem.of(row)

    async def notifications(self, caller: Caller, query: MessageQuery) -> list[Notification]:
        async with self.units.read() as conn:
            rows = await repo.list_messages(
                conn, caller=None if caller.is_central_hr else _who(caller),
                channel=query.channel, status=query.status, unread_only=False,
                application_id=query.application_id, limit=query.limit, offset=query.offset)
        return [Notification(**dict(r)) for r in rows]

    async def notification(self, caller: Caller, message_id: uuid.UUID) -> Notification:
        async with self.units.read() as conn:
            row = await repo.get_message(conn, message_id)
        if row is None or not (caller.is_central_hr or _visible(row, caller)):
            raise NotFound(f"no notification {message_id} for you", "message_id")
        return Notification(**dict(row))

    # --- hosts' webhooks -------------------------------------------------------------------

    async def register_webhook(self, org_id: str, url: str, caller_id: str) -> WebhookOut:
        # The secret is shown once, in this answer; receivers use it to verify signatures.
        secret = "whsec_" + secrets.token_urlsafe(32)
        async with self.units() as uow:
            row = await repo.upsert_webhook(uow.conn, org_id, url, secret, caller_id)
        return WebhookOut(**dict(row))

    async def webhooks(self, org_id: str) -> list[WebhookOut]:
        async with self.units.read() as conn:
            row = await repo.webhook_for(conn, org_id)
        return [WebhookOut(**{**dict(row), "secret": None})] if row else []

    async def delete_webhook(self, org_id: str, webhook_id: uuid.UUID) -> None:
        async with self.units() as uow:
            if not await repo.delete_webhook(uow.conn, webhook_id, org_id):
                raise NotFound(f"no webhook {webhook_id} for your organisation", "webhook_id")

    # --- contacts (central HR) -------------------------------------------------------------

    async def set_contact(self, contact_id: str, email: str, name: str | None) -> ContactOut:
        async with self.units() as uow:
            row = await repo.upsert_contact(uow.conn, contact_id, email, name, "hr")
        return ContactOut(contact_id=row["contact_id"], email=row["email"], name=row["name"])


def _who(caller: Caller) -> tuple[str, list[str], str | None]:
    return caller.id, [r.value for r in caller.roles], caller.org


def _visible(row: asyncpg.Record, caller: Caller) -> bool:
    recipient = Recipient(row["recipient_role"], row["recipient_user"], row["recipient_org"])
    return can_see(recipient, caller.id, frozenset(r.value for r in caller.roles), caller.org)
