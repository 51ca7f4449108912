"""HTTP: own inbox, notifications and their statuses (all for HR), webhooks, contacts."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from shared.auth import Caller, CallerDep, Role, require_roles
from shared.errors import Forbidden, Invalid, NotFound
from shared.limits import MAX_OFFSET, MAX_PAGE_SIZE, WriterDep

from notification import handlers
from notification import repository as repo
from notification.domain import Recipient, can_see, is_central_hr

router = APIRouter()
StatusName = Literal["created", "sending", "delivered", "temporary-failure",
                     "permanent-failure", "technical-failure"]
ChannelName = Literal["email", "webhook", "inbox"]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
# Checked before the body is validated, so a wrong role hears 403 whatever it sent.
HostRole = Depends(require_roles(Role.HOST))


class Notification(BaseModel):
    id: uuid.UUID
    template: str
    channel: str
    status: str
    recipient_id: str
    source_event_id: uuid.UUID
    source_event_type: str
    application_id: uuid.UUID | None
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class InboxItem(BaseModel):
    id: uuid.UUID
    subject: str
    body: str
    template: str
    application_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"url": "https://hooks.acme.example/bps"}]})
    url: AnyHttpUrl = Field(description="http(s) URL that receives signed JSON POSTs")


class WebhookOut(BaseModel):
    id: uuid.UUID
    org_id: str
    url: str
    secret: str | None = Field(default=None, description="Shown once, when registering.")
    created_at: datetime


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"email": "approvals@acme.example", "name": "Acme approvals team"}]})
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    name: str | None = Field(default=None, min_length=1, max_length=200)


def pool_of(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


PoolDep = Annotated[asyncpg.Pool, Depends(pool_of)]


def _who(caller: Caller) -> tuple[str, list[str], str | None]:
    return caller.id, [r.value for r in caller.roles], caller.org


def _visible(row: asyncpg.Record, caller: Caller) -> bool:
    recipient = Recipient(row["recipient_role"], row["recipient_user"], row["recipient_org"])
    return can_see(recipient, caller.id, frozenset(r.value for r in caller.roles), caller.org)


def _hr(caller: Caller) -> bool:
    return is_central_hr(frozenset(r.value for r in caller.roles), caller.org)


@router.get("/inbox", response_model=list[InboxItem], tags=["inbox"],
            summary="My in-app inbox, newest first")
async def inbox(caller: CallerDep, pool: PoolDep, unread_only: bool = False,
                limit: Limit = 50, offset: Offset = 0) -> list[InboxItem]:
    async with pool.acquire() as conn:
        rows = await repo.list_messages(conn, caller=_who(caller), channel="inbox",
                                        status="delivered", unread_only=unread_only,
                                        application_id=None, limit=limit, offset=offset)
    return [InboxItem(**dict(r)) for r in rows]


@router.post("/inbox/{message_id}/read", response_model=InboxItem, tags=["inbox"],
             summary="Mark one of my inbox messages read")
async def mark_read(message_id: uuid.UUID, caller: WriterDep, pool: PoolDep) -> InboxItem:
    async with pool.acquire() as conn:
        row = await repo.get_message(conn, message_id)
        if row is None or row["channel"] != "inbox" or not _visible(row, caller):
            raise NotFound(f"no inbox message {message_id} for you", "message_id")
        row = await repo.mark_read(conn, message_id)
    return InboxItem(**dict(row))


@router.get("/notifications", response_model=list[Notification], tags=["notifications"],
            summary="Notifications and their delivery status: your own, or all for HR")
async def notifications(caller: CallerDep, pool: PoolDep, status: StatusName | None = None,
                        channel: ChannelName | None = None,
                        application_id: uuid.UUID | None = None,
                        limit: Limit = 50, offset: Offset = 0) -> list[Notification]:
    async with pool.acquire() as conn:
        rows = await repo.list_messages(
            conn, caller=None if _hr(caller) else _who(caller), channel=channel, status=status,
            unread_only=False, application_id=application_id, limit=limit, offset=offset)
    return [Notification(**dict(r)) for r in rows]


@router.get("/notifications/{message_id}", response_model=Notification,
            tags=["notifications"], summary="One notification and its delivery status")
async def notification(message_id: uuid.UUID, caller: CallerDep, pool: PoolDep
                       ) -> Notification:
    async with pool.acquire() as conn:
        row = await repo.get_message(conn, message_id)
    if row is None or not (_hr(caller) or _visible(row, caller)):
        raise NotFound(f"no notification {message_id} for you", "message_id")
    return Notification(**dict(row))


def _host_org(caller: Caller) -> str:
    if not caller.has(Role.HOST):
        raise Forbidden("webhooks are for hosts: this needs the host role", "roles")
    if not caller.org:
        raise Invalid("your token has no org claim: a webhook belongs to an organisation", "org")
    return caller.org


@router.post("/webhooks", response_model=WebhookOut, status_code=201, tags=["webhooks"],
             dependencies=[HostRole],
             summary="Register (or replace) my organisation's webhook; returns its secret once")
async def register_webhook(caller: WriterDep, pool: PoolDep,
                           body: Annotated[WebhookIn, Body()]) -> WebhookOut:
    org = _host_org(caller)
    url = str(body.url)
    if body.url.scheme not in ("http", "https"):
        raise Invalid("url must be http or https", "url")
    row = await handlers.register_webhook(pool, org, url, caller.id)
    return WebhookOut(**dict(row))


@router.get("/webhooks", response_model=list[WebhookOut], tags=["webhooks"],
            dependencies=[HostRole], summary="My organisation's webhook (secret not shown)")
async def list_webhooks(caller: CallerDep, pool: PoolDep) -> list[WebhookOut]:
    org = _host_org(caller)
    async with pool.acquire() as conn:
        row = await repo.webhook_for(conn, org)
    return [WebhookOut(**{**dict(row), "secret": None})] if row else []


@router.delete("/webhooks/{webhook_id}", status_code=204, tags=["webhooks"],
               dependencies=[HostRole], summary="Remove my organisation's webhook")
async def delete_webhook(webhook_id: uuid.UUID, caller: WriterDep, pool: PoolDep) -> Response:
    org = _host_org(caller)
    async with pool.acquire() as conn:
        if not await repo.delete_webhook(conn, webhook_id, org):
            raise NotFound(f"no webhook {webhook_id} for your organisation", "webhook_id")
    return Response(status_code=204)


@router.put("/contacts/{contact_id}", tags=["contacts"],
            dependencies=[Depends(require_roles(Role.HR))],
            summary="Set the email address of a user, an organisation, or a role.org group")
async def put_contact(contact_id: Annotated[str, Path(min_length=1, max_length=128)],
                      caller: WriterDep, pool: PoolDep,
                      body: Annotated[ContactIn, Body()]) -> dict:
    if not _hr(caller):
        # Contacts route everyone's mail: departmental HR setting them could redirect it.
        raise Forbidden("only central HR (role hr, no org or org hr-central) may set contacts",
                        "org")
    async with pool.acquire() as conn:
        row = await repo.upsert_contact(conn, contact_id, body.email, body.name, "hr")
    return {"contact_id": row["contact_id"], "email": row["email"], "name": row["name"]}
