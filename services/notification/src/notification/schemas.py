"""HTTP request and response models of notification."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field


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


class About(BaseModel):
    """What a message is about, as ids: the body says it in words and links to one page; a
    client (the web service, a test) that needs another page or an API call reads them here."""

    application_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
    match_id: uuid.UUID | None = None
    placement_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None

    @classmethod
    def of(cls, payload: dict[str, Any] | None) -> "About":
        event = (payload or {}).get("event") or {}
        return cls(**{k: event.get(k) for k in cls.model_fields})


class InboxItem(BaseModel):
    id: uuid.UUID
    subject: str
    body: str
    template: str
    application_id: uuid.UUID | None
    about: About = Field(default_factory=About)
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "InboxItem":
        return cls(**{**dict(row), "about": About.of(row.get("payload"))})


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


class ContactOut(BaseModel):
    contact_id: str
    email: str
    name: str | None
