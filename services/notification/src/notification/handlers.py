"""Use cases. Event handlers run inside the consumer's inbox transaction and only INSERT message
rows (status created); the delivery worker sends them. HTTP commands live here too."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApprovalReminderDue,
    Event,
    redact,
)
from notification import projection, wording
from notification import repository as repo
from notification.domain import (
    APPLICANT_ROLE,
    PENDING_APPLICANT,
    PENDING_NAME,
    WEBHOOK,
    Intent,
    Recipient,
    channels_for,
    dead_letter_intent,
    intents_for,
)
from notification.templates import Templates
from shared import erasure

AfterCommit = Callable[[], Awaitable[None]]
DEAD_LETTER_NAMESPACE = uuid.UUID("6f1d3c64-3a5e-4f0e-9d1b-1a2b3c4d5e6f")


@dataclass(frozen=True)
class Source:
    """What a message is about: the event (or dead letter) that caused it."""

    event_id: uuid.UUID
    event_type: str
    correlation_id: uuid.UUID
    application_id: uuid.UUID | None
    context: dict[str, Any]  # template variables under `e`
    payload: dict[str, Any]  # the webhook's `event`, without PII
    # What the templates say in words besides the event: the placement, host, applicant.
    words: dict[str, Any] = field(
        default_factory=lambda: wording.words_for({}, None, wording.SOMEONE))


class Notifier:
    def __init__(self, templates: Templates, wake: Callable[[], None]) -> None:
        # Sealed contact details are opened by the delivery worker, never in a consumer's
        # transaction.
        self.templates = templates
        self.wake = wake

    async def on_event(self, conn: asyncpg.Connection, event: Event) -> AfterCommit | None:
        if isinstance(event, ApplicantErased):
            await erasure.record(conn, event.applicant_id)  # a late submission finds this
            await repo.erase_person(conn, event.applicant_id)
            return None
        await projection.remember(conn, event)
        applicant_id = getattr(event, "applicant_id", None)
        erased = applicant_id is not None and await erasure.is_erased(conn, applicant_id)
        if isinstance(event, ApplicationSubmitted) and not erased:
            # The applicant's address is PII: it lives in our contact table, never in our events.
            await _store_contact(conn, event.applicant_id, event.applicant_email,
                                 event.applicant_name)
        if isinstance(event, ApplicationSubmittedV2) and not erased:
            # Kept sealed; the delivery worker opens it (an HTTP call) outside this transaction.
            await repo.keep_sealed(conn, event.applicant_id, event.application_id,
                                   event.applicant_contact.model_dump(mode="json"))
        # Nothing more goes to, or is written about, an erased applicant; others still hear.
        intents = [i for i in intents_for(event)
                   if not (erased and i.recipient.user == applicant_id)]
        wake_opener = self._waker() if isinstance(event, ApplicationSubmittedV2) else None
        if not intents:
            return wake_opener
        if isinstance(event, ApprovalReminderDue) and not event.approver_id:
            intents = await self._to_whoever_was_asked(conn, event, intents)
        context = event.to_dict()
        words = wording.words_for(context, await projection.opportunity_of(conn, event),
                                  await self._applicant_named(conn, applicant_id))
        source = Source(event.event_id, event.event_type, event.correlation_id,
                        getattr(event, "application_id", None), context, redact(event), words)
        return await self.create(conn, source, intents) or wake_opener

    async def _applicant_named(self, conn: asyncpg.Connection, applicant_id: str | None) -> str:
        """The applicant, as messages to others (approvers, host, HR) name them."""
        contact = await repo.get_contact(conn, applicant_id) if applicant_id else None
        if contact and contact["name"]:
            return contact["name"]
        # Filled in once their sealed name is opened (repository.fill_in_name).
        return PENDING_APPLICANT if applicant_id else wording.SOMEONE

    async def _to_whoever_was_asked(self, conn: asyncpg.Connection, event: ApprovalReminderDue,
                                    intents: list[Intent]) -> list[Intent]:
        # A reminder names no organisation; the stage-opened message we sent earlier does.
        asked = await repo.stage_recipient(conn, event.case_id, event.stage.value)
        if asked is None:
            return intents
        return [Intent(i.template, asked, channels_for(asked)) for i in intents]

    async def on_dead_letter(self, conn: asyncpg.Connection, topic: str, partition: int,
                             offset: int, headers: dict[str, str]) -> AfterCommit | None:
        # A dead letter has no trustworthy event id; its position in the DLQ is unique.
        event_id = uuid.uuid5(DEAD_LETTER_NAMESPACE, f"{topic}:{partition}:{offset}")
        facts = {"topic": headers.get("x-dlq-original-topic", topic),
                 "partition": headers.get("x-dlq-original-partition", "?"),
                 "offset": headers.get("x-dlq-original-offset", "?"),
                 "consumer": headers.get("x-dlq-consumer", "unknown"),
                 "reason": headers.get("x-dlq-reason", "unknown"),
                 "error": headers.get("x-dlq-error", "")[:500],
                 "dlq_topic": topic}
        source = Source(event_id, "DeadLetter", event_id, None, facts, facts)
        return await self.create(conn, source, [dead_letter_intent()])

    async def create(self, conn: asyncpg.Connection, source: Source,
                     intents: list[Intent]) -> AfterCommit | None:
        created = 0
        for intent in intents:
            created += await self._create_one(conn, source, intent)
        return self._waker() if created else None

    def _waker(self) -> AfterCommit:
        async def wake() -> None:
            self.wake()

        return wake

    async def _create_one(self, conn: asyncpg.Connection, source: Source, intent: Intent) -> int:
        recipient = intent.recipient
        name = await self._name_of(conn, recipient)
        text = self.templates.render(intent.template, e=source.context, name=name,
                                     **source.words)
        channels = list(intent.channels)
        if WEBHOOK in channels and not (recipient.org and
                                        await repo.webhook_for(conn, recipient.org)):
            channels.remove(WEBHOOK)
        payload = {"message": intent.template, "subject": text.subject, "text": text.body,
                   "event": source.payload}
        created = 0
        for channel in channels:
            created += await repo.insert_message(conn, repo.NewMessage(
                source.event_id, source.event_type, source.correlation_id, source.application_id,
                recipient, channel, intent.template, text.subject, text.body, payload))
        return created

    async def _name_of(self, conn: asyncpg.Connection, recipient: Recipient) -> str:
        if recipient.user:
            contact = await repo.get_contact(conn, recipient.user)
            if contact and contact["name"]:
                return contact["name"]
        if recipient.role == APPLICANT_ROLE:
            return PENDING_NAME  # filled in once their sealed name is opened
        return recipient.role.replace("_", " ")


async def _store_contact(conn: asyncpg.Connection, applicant_id: str, email: str,
                         name: str | None) -> None:
    await repo.upsert_contact(conn, applicant_id, email, name, "application")
    # Emails that were waiting for this address go now rather than at their next look.
    await repo.due_now_for(conn, applicant_id)


# --- HTTP commands --------------------------------------------------------------------------

async def register_webhook(pool: asyncpg.Pool, org_id: str, url: str, caller_id: str
                           ) -> asyncpg.Record:
    # The secret is shown once, in this response; receivers use it to verify signatures.
    secret = "whsec_" + secrets.token_urlsafe(32)
    async with pool.acquire() as conn:
        return await repo.upsert_webhook(conn, org_id, url, secret, caller_id)
