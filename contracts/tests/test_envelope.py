from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from contracts.examples import APPLICATION_ID, OPPORTUNITY_ID, example
from pydantic import ValidationError

from contracts import (
    ALL_EVENTS,
    EVENT_CLASSES,
    EVENT_TYPES,
    TOPICS,
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    Event,
    MatchProposed,
    NotificationDelivered,
    OpportunityPublished,
    RoundMatched,
    events_for_topic,
    parse_event,
)

EVENTS = pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda c: c.__name__)


@EVENTS
def test_every_event_survives_a_round_trip_through_bytes(cls):
    event = example(cls)
    back = parse_event(event.to_bytes())
    assert type(back) is cls
    assert back == event


@EVENTS
def test_every_event_is_named_after_its_class_and_version(cls):
    # `Thing` is version 1 of Thing; `ThingV2` is version 2, and so on.
    name, _, version = cls.__name__.partition("V")
    name, version = (name, int(version)) if version.isdigit() else (cls.__name__, 1)
    event = example(cls)
    assert (event.event_type, event.schema_version) == (name, version)
    assert EVENT_CLASSES[(name, version)] is cls


def test_the_newest_version_of_each_event_is_the_default_for_its_type():
    assert EVENT_TYPES["ApplicationSubmitted"] is ApplicationSubmittedV2
    assert EVENT_TYPES["MatchProposed"] is MatchProposed


@EVENTS
def test_every_event_is_written_to_a_known_topic(cls):
    assert cls.TOPIC in {t.name for t in TOPICS}
    assert cls in events_for_topic(cls.TOPIC)


def test_every_event_belongs_to_exactly_one_topic():
    by_topic = [c for t in TOPICS for c in events_for_topic(t.name)]
    assert sorted(by_topic, key=str) == sorted(ALL_EVENTS, key=str)


def test_a_dead_letter_topic_carries_the_events_of_its_topic():
    assert events_for_topic("matches.dlq") == events_for_topic("matches")


def test_an_unknown_topic_is_an_error():
    with pytest.raises(ValueError, match="unknown topic"):
        events_for_topic("nope")


@EVENTS
def test_the_kafka_key_is_the_aggregate_id(cls):
    event = example(cls)
    if cls is ApplicantErased:
        assert event.key() == event.applicant_id
    elif cls is RoundMatched:  # about a whole round, not one application
        assert event.key() == str(event.round_id)
    elif cls.TOPIC == "opportunities":
        assert event.key() == str(OPPORTUNITY_ID)
    else:
        assert event.key() == str(APPLICATION_ID)


def test_a_notification_without_an_application_is_keyed_by_its_recipient():
    event = example(NotificationDelivered, application_id=None, recipient_id="hr-7")
    assert event.key() == "hr-7"


def test_the_envelope_fills_event_id_and_occurred_at():
    a, b = example(OpportunityPublished), example(OpportunityPublished)
    assert isinstance(a.event_id, UUID) and a.event_id != b.event_id
    assert a.occurred_at.tzinfo is not None
    assert abs(datetime.now(UTC) - a.occurred_at) < timedelta(seconds=5)
    assert a.causation_id is None


def test_occurred_at_is_stored_in_utc():
    paris = timezone(timedelta(hours=1))
    event = example(ApplicationSubmitted, occurred_at=datetime(2026, 5, 1, 13, 0, tzinfo=paris))
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.occurred_at.hour == 12
    assert '"occurred_at":"2026-05-01T12:00:00Z"' in event.to_bytes().decode()


def test_a_naive_occurred_at_is_refused():
    with pytest.raises(ValidationError, match="timezone"):
        example(ApplicationSubmitted, occurred_at=datetime(2026, 5, 1, 13, 0))


def test_events_are_frozen_and_hashable():
    event = example(MatchProposed)
    with pytest.raises(ValidationError):
        event.score = 0.1  # type: ignore[misc]
    assert hash(event) == hash(parse_event(event.to_bytes()))


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError, match="extra"):
        example(ApplicationSubmitted, surprise=1)


def test_caused_by_continues_the_journey_of_the_cause():
    submitted = example(ApplicationSubmitted)
    proposed = example(MatchProposed)
    fields = proposed.model_dump(exclude=set(Event.model_fields))
    follow = MatchProposed.caused_by(submitted, producer="matching", **fields)
    assert follow.correlation_id == submitted.correlation_id
    assert follow.causation_id == submitted.event_id
    assert follow.producer == "matching"
    assert follow.event_id != submitted.event_id
