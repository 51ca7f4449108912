"""The envelope every event carries, and the small types the catalogue shares."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

# A user or organisation id from the identity provider / reference data (JWT `sub`, `org`).
Id = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Months = Annotated[int, Field(ge=1, le=12)]
Rating = Annotated[int, Field(ge=1, le=5)]


class ContractError(ValueError):
    """A message that is not a valid event of the catalogue: bad JSON, unknown type or
    version, or a payload that fails the model. `errors` holds pydantic's details if any."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    @classmethod
    def from_validation(cls, exc: ValidationError, what: str) -> ContractError:
        lines = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()]
        return cls(
            f"invalid {what}: " + "; ".join(lines),
            errors=exc.errors(include_url=False, include_context=False),
        )


class Frozen(BaseModel):
    """Base for nested value objects inside events."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(BaseModel):
    """Envelope. Subclasses narrow `event_type` / `schema_version` to Literals and set TOPIC
    and KEY_FIELD (the catalogue's through CatalogueEvent and a base per topic); the Kafka key
    is `key()` so one aggregate's events stay ordered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TOPIC: ClassVar[str]
    KEY_FIELD: ClassVar[str]

    event_id: UUID = Field(default_factory=uuid4)
    event_type: str
    schema_version: int
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: Id = Field(description="The service that wrote the event, e.g. 'applicant'.")
    correlation_id: UUID = Field(
        description="The journey: the application id for a placement "
        "journey, the opportunity id for an opportunity."
    )
    causation_id: UUID | None = Field(
        default=None, description="event_id of the event that caused this one."
    )

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def key(self) -> str:
        return str(getattr(self, self.KEY_FIELD))

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def caused_by(cls, cause: Event, *, producer: str, **fields: Any) -> Self:
        """A new event in the same journey as `cause`, recording `cause` as its cause."""
        return cls(
            producer=producer,
            correlation_id=cause.correlation_id,
            causation_id=cause.event_id,
            **fields,
        )

    @classmethod
    def tag(cls) -> str:
        """`<event_type>.v<schema_version>`, unique across the catalogue."""
        fields = cls.model_fields
        return f"{fields['event_type'].default}.v{fields['schema_version'].default}"


class CatalogueEvent(Event):
    """An event type of the catalogue: its first schema is version 1, so only a later version of
    a type says which it is (`schema_version: Literal[2] = 2`)."""

    schema_version: Literal[1] = 1


def check_order(first: date | None, then: date | None, what: str, strict: bool = True) -> None:
    if first is None or then is None:
        return
    if then < first or (strict and then == first):
        raise ValueError(what)


def loads(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContractError(f"malformed JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise ContractError(f"an event must be a JSON object, got {type(obj).__name__}")
    return obj
