"""The registry of every live event class, and parsing from the wire."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any, Union

from pydantic import BaseModel, Discriminator, Tag, ValidationError

from contracts import events as ev
from contracts.envelope import ContractError, Event, loads
from contracts.pii import drop_paths, models_in, pii_paths
from contracts.topics import TOPICS

# Every live event class, grouped by topic. A v2 class is added here next to its v1.
ALL_EVENTS: tuple[type[Event], ...] = (
    ev.ApplicationSubmitted,
    ev.ApplicationSubmittedV2,
    ev.ApplicationWithdrawn,
    ev.ApplicantErased,
    ev.FollowUpDue,
    ev.FollowUpLapsed,
    ev.OutcomeRecorded,
    ev.OpportunityPublished,
    ev.OpportunityAmended,
    ev.OpportunityClosed,
    ev.OpportunityCapacityChanged,
    ev.HostRankingSubmitted,
    ev.MatchProposed,
    ev.NoMatchFound,
    ev.RankingSubmitted,
    ev.MatchDeclined,
    ev.RoundMatched,
    ev.ApprovalStageOpened,
    ev.ApprovalGranted,
    ev.ApprovalRefused,
    ev.ApprovalEscalated,
    ev.ApprovalReminderDue,
    ev.ApprovalStageReassigned,
    ev.PlacementApproved,
    ev.PlacementConfirmed,
    ev.PlacementRejected,
    ev.PlacementStarted,
    ev.PlacementExtended,
    ev.PlacementEnded,
    ev.ReturnConditionsRecorded,
    ev.PlacementFeedbackGiven,
    ev.NotificationDelivered,
    ev.NotificationFailed,
)


def _type_and_version(cls: type[Event]) -> tuple[str, int]:
    return cls.model_fields["event_type"].default, cls.model_fields["schema_version"].default


# (event_type, schema_version) -> class; the exact lookup parse_event uses.
EVENT_CLASSES: dict[tuple[str, int], type[Event]] = {_type_and_version(c): c for c in ALL_EVENTS}

# event_type -> class of its newest schema_version.
EVENT_TYPES: dict[str, type[Event]] = {t: EVENT_CLASSES[(t, v)] for t, v in sorted(EVENT_CLASSES)}


def _tag_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return f"{value.get('event_type')}.v{value.get('schema_version')}"
    if isinstance(value, Event):
        return value.tag()
    return None


# For typed subscribers and TypeAdapter: any event, dispatched on event_type + schema_version.
AnyEvent = Annotated[
    Union[tuple(Annotated[c, Tag(c.tag())] for c in ALL_EVENTS)],  # noqa: UP007
    Discriminator(_tag_of),
]


def events_for_topic(topic: str) -> tuple[type[Event], ...]:
    """The event classes written to a topic (`<topic>.dlq` has the same ones)."""
    name = topic.removesuffix(".dlq")
    if name not in {t.name for t in TOPICS}:
        raise ValueError(f"unknown topic {topic!r}")
    return tuple(c for c in ALL_EVENTS if c.TOPIC == name)


def event_class(event_type: str, schema_version: int) -> type[Event]:
    try:
        return EVENT_CLASSES[(event_type, schema_version)]
    except KeyError:
        known = sorted(f"{t} v{v}" for t, v in EVENT_CLASSES)
        if any(t == event_type for t, _ in EVENT_CLASSES):
            raise ContractError(
                f"unknown schema_version {schema_version!r} of {event_type}; known: "
                + ", ".join(k for k in known if k.startswith(event_type + " "))
            ) from None
        raise ContractError(f"unknown event_type {event_type!r}") from None


def known_fields(model: type[BaseModel], data: Any) -> Any:
    """`data` without the keys `model` does not know, nested models included.

    A tolerant reader: a newer producer may add optional fields within a version, and an
    older consumer must not dead-letter them. Building an event stays strict (extra="forbid").
    """
    if not isinstance(data, Mapping):
        return data
    plan = _field_models(model)
    out = {}
    for key, value in data.items():
        if key not in plan:
            continue
        nested = plan[key]
        if nested is not None and isinstance(value, list):
            value = [known_fields(nested, item) for item in value]
        elif nested is not None:
            value = known_fields(nested, value)
        out[key] = value
    return out


@functools.cache
def _field_models(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """Each field's nested model (or None); walking annotations per event cost ~0.5 ms."""
    return {name: next(iter(models_in(field.annotation)), None)
            for name, field in model.model_fields.items()}


def parse_event(data: bytes | str | Mapping[str, Any]) -> Event:
    """Bytes, text or a dict off the wire -> the right Event subclass.

    Raises ContractError (a ValueError) for malformed JSON, a missing or unknown
    event_type / schema_version, or a payload that does not fit its model.
    """
    obj = loads(dict(data) if isinstance(data, Mapping) else data)
    event_type, version = obj.get("event_type"), obj.get("schema_version")
    if not isinstance(event_type, str):
        raise ContractError("not an event: event_type missing or not a string")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ContractError(
            f"not an event: schema_version missing or not an integer (event_type {event_type!r})"
        )
    cls = event_class(event_type, version)
    try:
        return cls.model_validate(known_fields(cls, obj))
    except ValidationError as exc:
        raise ContractError.from_validation(exc, f"{event_type} v{version}") from exc


def redact(event: Event | Mapping[str, Any]) -> dict[str, Any]:
    """The event as a JSON-ready dict without its PII fields (for the HR stream and exports).

    Works on dicts that do not validate (e.g. from a dead letter) as long as event_type and
    schema_version name a known class; an unknown event is reduced to its envelope.
    """
    data = event.to_dict() if isinstance(event, Event) else dict(event)
    try:
        cls = event_class(str(data.get("event_type")), data.get("schema_version"))  # type: ignore[arg-type]
    except ContractError:
        return {k: v for k, v in data.items() if k in Event.model_fields}
    return drop_paths(data, pii_paths(cls))
