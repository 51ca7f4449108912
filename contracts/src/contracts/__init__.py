"""The event catalogue of the Business Placement Scheme: envelope, enums, events, parsing."""

from contracts.catalogue import (
    ALL_EVENTS,
    EVENT_CLASSES,
    EVENT_TYPES,
    AnyEvent,
    event_class,
    events_for_topic,
    parse_event,
    redact,
)
from contracts.enums import *  # noqa: F403 - the enums are the package's API too
from contracts.enums import __all__ as _enum_names
from contracts.envelope import ContractError, Event
from contracts.events import *  # noqa: F403 - the catalogue is the package's API
from contracts.events import __all__ as _event_names
from contracts.pii import PII_MARK, pii_field, pii_paths
from contracts.regions import ITL1_CODES, ITL2Region, itl1_of, itl2_name
from contracts.topics import DLQ_SUFFIX, TOPICS, TopicSpec, all_topic_names

__all__ = [
    "ALL_EVENTS",
    "DLQ_SUFFIX",
    "ITL1_CODES",
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "ITL2Region",
    "PII_MARK",
    "TOPICS",
    "AnyEvent",
    "ContractError",
    "Event",
    "TopicSpec",
    "all_topic_names",
    "event_class",
    "events_for_topic",
    "itl1_of",
    "itl2_name",
    "parse_event",
    "pii_field",
    "pii_paths",
    "redact",
    *_enum_names,
    *_event_names,
]
