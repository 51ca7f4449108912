"""HTTP: own inbox, notifications and their statuses (all for central HR), webhooks, contacts.
Routes parse, call one use case and render its result."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Response
from shared.auth import Caller, CallerDep, Role, require_central_hr, require_roles
from shared.errors import ERROR_RESPONSES, Forbidden, Invalid
from shared.limits import Limit, Offset, WriterDep
from shared.use_cases import use_cases

from notification.schemas import (
    ContactIn,
    ContactOut,
    InboxItem,
    Notification,
    WebhookIn,
    WebhookOut,
)
from notification.use_cases import MessageQuery, NotificationUseCases

router = APIRouter(responses=ERROR_RESPONSES)
StatusName = Literal["created", "sending", "delivered", "temporary-failure",
                     "permanent-failure", "technical-failure"]
ChannelName = Literal["email", "webhook", "inbox"]
# Checked before the body is validated, so a wrong role hears 403 whatever it sent.
HostRole = Depends(require_roles(Role.HOST))
UseCases = Annotated[NotificationUseCases, Depends(use_cases(NotificationUseCases))]


@router.get("/inbox", response_model=list[InboxItem], tags=["inbox"],
            summary="My in-app inbox, newest first")
async def inbox(caller: CallerDep, uc: UseCases, unread_only: bool = False,
                limit: Limit = 50, offset: Offset = 0) -> list[InboxItem]:
    return await uc.inbox(caller, MessageQuery(unread_only=unread_only, limit=limit,
                                               offset=offset))


@router.post("/inbox/{message_id}/read", response_model=InboxItem, tags=["inbox"],
             summary="Mark one of my inbox messages read")
async def mark_read(message_id: uuid.UUID, caller: WriterDep, uc: UseCases) -> InboxItem:
    return await uc.mark_read(caller, message_id)


@router.get("/notifications", response_model=list[Notification], tags=["notifications"],
            summary="Notifications and their delivery status: your own, or all for HR")
async def notifications(caller: CallerDep, uc: UseCases, status: StatusName | None = None,
                        channel: ChannelName | None = None,
                        application_id: uuid.UUID | None = None,
                        limit: Limit = 50, offset: Offset = 0) -> list[Notification]:
    return await uc.notifications(caller, MessageQuery(
        status=status, channel=channel, application_id=application_id, limit=limit,
        offset=offset))


@router.get("/notifications/{message_id}", response_model=Notification,
            tags=["notifications"], summary="One notification and its delivery status")
async def notification(message_id: uuid.UUID, caller: CallerDep, uc: UseCases) -> Notification:
    return await uc.notification(caller, message_id)


def _host_org(caller: Caller) -> str:
    if not caller.has(Role.HOST):
        raise Forbidden("webhooks are for hosts: this needs the host role", "roles")
    if not caller.org:
        raise Invalid("your token has no org claim: a webhook belongs to an organisation", "org")
    return caller.org


@router.post("/webhooks", response_model=WebhookOut, status_code=201, tags=["webhooks"],
             dependencies=[HostRole],
             summary="Register (or replace) my organisation's webhook; returns its secret once")
async def register_webhook(caller: WriterDep, uc: UseCases,
                           body: Annotated[WebhookIn, Body()]) -> WebhookOut:
    org = _host_org(caller)
    if body.url.scheme not in ("http", "https"):
        raise Invalid("url must be http or https", "url")
    return await uc.register_webhook(org, str(body.url), caller.id)


@router.get("/webhooks", response_model=list[WebhookOut], tags=["webhooks"],
            dependencies=[HostRole], summary="My organisation's webhook (secret not shown)")
async def list_webhooks(caller: CallerDep, uc: UseCases) -> list[WebhookOut]:
    return await uc.webhooks(_host_org(caller))


@router.delete("/webhooks/{webhook_id}", status_code=204, tags=["webhooks"],
               dependencies=[HostRole], summary="Remove my organisation's webhook")
async def delete_webhook(webhook_id: uuid.UUID, caller: WriterDep, uc: UseCases) -> Response:
    await uc.delete_webhook(_host_org(caller), webhook_id)
    return Response(status_code=204)


# Contacts route everyone's mail: departmental HR setting them could redirect it.
@router.put("/contacts/{contact_id}", tags=["contacts"], response_model=ContactOut,
            dependencies=[Depends(require_central_hr)],
            summary="Set the email address of a user, an organisation, or a role.org group "
                    "(central HR)")
async def put_contact(contact_id: Annotated[str, Path(min_length=1, max_length=128)],
                      _: WriterDep, uc: UseCases,
                      body: Annotated[ContactIn, Body()]) -> ContactOut:
    return await uc.set_contact(contact_id, body.email, body.name)
