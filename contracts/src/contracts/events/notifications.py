"""Topic `notifications`: written by the notification service, keyed by application id, or by
recipient id when the notification is about no application."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from contracts.enums import DeliveryStatus, NotificationChannel
from contracts.envelope import CatalogueEvent, Id, Label, Text

__all__ = ["NotificationDelivered", "NotificationFailed"]


class _NotificationsEvent(CatalogueEvent):
    TOPIC: ClassVar[str] = "notifications"
    KEY_FIELD: ClassVar[str] = "application_id"

    notification_id: UUID
    source_event_id: UUID
    source_event_type: Label | None = None
    channel: NotificationChannel
    recipient_id: Id
    application_id: UUID | None = None
    attempts: int = Field(default=1, ge=1)

    def key(self) -> str:
        return str(self.application_id) if self.application_id else self.recipient_id


class NotificationDelivered(_NotificationsEvent):
    event_type: Literal["NotificationDelivered"] = "NotificationDelivered"

    status: Literal[DeliveryStatus.DELIVERED] = DeliveryStatus.DELIVERED
    detail: Text | None = None


class NotificationFailed(_NotificationsEvent):
    event_type: Literal["NotificationFailed"] = "NotificationFailed"

    status: Literal[
        DeliveryStatus.TEMPORARY_FAILURE,
        DeliveryStatus.PERMANENT_FAILURE,
        DeliveryStatus.TECHNICAL_FAILURE,
    ]
    detail: Text
