import json

import pytest
from contracts.examples import example
from pydantic import TypeAdapter

from contracts import AnyEvent, ApplicationSubmitted, ContractError, MatchProposed, parse_event


def test_parse_event_accepts_bytes_text_and_dicts():
    event = example(ApplicationSubmitted)
    assert parse_event(event.to_bytes()) == event
    assert parse_event(event.to_bytes().decode()) == event
    assert parse_event(event.to_dict()) == event


@pytest.mark.parametrize(("raw", "message"), [
    pytest.param(b'{"event_type": "ApplicationSubmitted",', "malformed JSON",
                 id="malformed JSON"),
    pytest.param(b"\xff\xfe\x00garbage", "malformed JSON", id="undecodable bytes"),
    pytest.param(b"[1, 2]", "JSON object", id="JSON that is not an object"),
    pytest.param(b'{"hello": "world"}', "event_type missing", id="a message without event_type"),
    pytest.param(b'{"event_type": "ApplicationEaten", "schema_version": 1}',
                 "unknown event_type 'ApplicationEaten'", id="an unknown event_type"),
])
def test_a_message_that_is_no_event_is_a_contract_error_saying_why(raw: bytes, message: str):
    with pytest.raises(ContractError, match=message):
        parse_event(raw)


def test_an_unknown_schema_version_names_the_known_ones():
    body = example(ApplicationSubmitted).to_dict() | {"schema_version": 9}
    with pytest.raises(ContractError, match="schema_version 9 of ApplicationSubmitted.*v1"):
        parse_event(json.dumps(body))


def test_a_missing_schema_version_is_a_contract_error():
    body = example(ApplicationSubmitted).to_dict()
    del body["schema_version"]
    with pytest.raises(ContractError, match="schema_version missing"):
        parse_event(body)


def test_json_of_the_wrong_shape_is_a_contract_error_naming_the_fields():
    body = example(ApplicationSubmitted).to_dict()
    body["desired_length_months"] = 13
    del body["applicant_id"]
    with pytest.raises(ContractError) as caught:
        parse_event(json.dumps(body))
    message = str(caught.value)
    assert "invalid ApplicationSubmitted v1" in message
    assert "desired_length_months" in message and "applicant_id" in message
    assert {e["loc"][0] for e in caught.value.errors} == {"desired_length_months", "applicant_id"}


def test_the_body_of_one_event_under_another_name_is_refused():
    body = example(ApplicationSubmitted).to_dict() | {"event_type": "MatchProposed"}
    with pytest.raises(ContractError, match="invalid MatchProposed v1"):
        parse_event(body)


def test_a_contract_error_is_a_value_error():
    assert issubclass(ContractError, ValueError)


def test_any_event_dispatches_on_type_and_version():
    event = example(MatchProposed)
    parsed = TypeAdapter(AnyEvent).validate_json(event.to_bytes())
    assert type(parsed) is MatchProposed and parsed == event


def test_an_older_consumer_ignores_fields_a_newer_producer_added():
    body = example(MatchProposed).to_dict()
    body["new_top_level"] = "x"
    body["explanation"]["factors"][0]["new_nested"] = 1
    parsed = parse_event(json.dumps(body))
    assert parsed == example(
        MatchProposed, event_id=parsed.event_id, occurred_at=parsed.occurred_at
    )


def test_building_an_event_with_an_unknown_field_is_still_refused():
    with pytest.raises(ValueError, match="extra"):
        example(MatchProposed, new_top_level="x")
