from contracts.examples import example
from contracts.generate import event_schema
from pydantic import BaseModel

from contracts import ApplicationSubmitted, Event, MatchProposed, pii_field, pii_paths, redact


def test_the_applicant_name_and_email_are_marked_pii_in_the_schema():
    props = event_schema(ApplicationSubmitted)["properties"]
    assert props["applicant_name"]["x-pii"] is True
    assert props["applicant_email"]["x-pii"] is True
    assert "x-pii" not in props["applicant_id"]


def test_pii_paths_lists_the_marked_fields():
    assert pii_paths(ApplicationSubmitted) == {"applicant_name", "applicant_email"}
    assert pii_paths(MatchProposed) == set()


class _Contact(BaseModel):
    phone: str = pii_field()
    team: str


class _WithNested(BaseModel):
    owner: _Contact
    others: tuple[_Contact, ...] = ()
    maybe: _Contact | None = None


def test_pii_paths_walks_nested_models_and_lists():
    assert pii_paths(_WithNested) == {"owner.phone", "others.phone", "maybe.phone"}


def test_redact_removes_pii_from_an_event():
    out = redact(example(ApplicationSubmitted))
    assert "applicant_name" not in out and "applicant_email" not in out
    assert out["applicant_id"] == "applicant-1"
    assert "Ada" not in str(out)


def test_redact_works_on_a_dict_that_does_not_validate():
    body = example(ApplicationSubmitted).to_dict()
    body["desired_length_months"] = 99
    out = redact(body)
    assert "applicant_email" not in out and out["desired_length_months"] == 99


def test_redact_reduces_an_unknown_event_to_its_envelope():
    out = redact({"event_type": "Mystery", "schema_version": 1, "event_id": "x", "secret": "s"})
    assert out == {"event_type": "Mystery", "schema_version": 1, "event_id": "x"}
    assert set(out) <= set(Event.model_fields)


def test_redact_leaves_events_without_pii_unchanged():
    event = example(MatchProposed)
    assert redact(event) == event.to_dict()
