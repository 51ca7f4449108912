import copy
import json

import pytest
from contracts.compat import breaking_changes
from contracts.generate import ROOT, event_schema, schema_file
from pydantic import Field, create_model

from contracts import ALL_EVENTS, ApplicationSubmitted, Event, MatchProposed

EVENTS = pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda c: c.__name__)


def _variant(base: type[Event], drop: str | None = None, **fields):
    """A copy of `base` (same name, same event_type) with one field dropped and/or `fields`
    added or retyped: what a careless edit of the model would produce."""
    own = {
        name: (f.annotation, f)
        for name, f in base.model_fields.items()
        if name not in Event.model_fields and name != drop
    }
    own.update(fields)
    envelope = {
        n: (f.annotation, f)
        for n, f in base.model_fields.items()
        if n in ("event_type", "schema_version")
    }
    # The topic's base class: below it every field is redeclared here, shared bases included.
    topic_base = next(c for c in base.__mro__ if Event in c.__bases__)
    return create_model(base.__name__, __base__=topic_base, **envelope, **own)


@EVENTS
def test_the_committed_schemas_are_compatible_with_the_models(cls):
    committed = json.loads((ROOT / schema_file(cls)).read_text())
    assert breaking_changes(committed, event_schema(cls)) == []


@EVENTS
def test_every_schema_is_compatible_with_itself(cls):
    schema = event_schema(cls)
    assert breaking_changes(schema, copy.deepcopy(schema)) == []


def test_the_variant_helper_reproduces_the_model_exactly():
    assert (
        breaking_changes(
            event_schema(ApplicationSubmitted), _variant(ApplicationSubmitted).model_json_schema()
        )
        == []
    )


def test_a_removed_field_is_breaking():
    broken = _variant(ApplicationSubmitted, drop="skills")
    changes = breaking_changes(event_schema(ApplicationSubmitted), broken.model_json_schema())
    assert changes == ["removed field skills"]


def test_a_new_required_field_is_breaking():
    broken = _variant(ApplicationSubmitted, nationality=(str, ...))
    changes = breaking_changes(event_schema(ApplicationSubmitted), broken.model_json_schema())
    assert changes == ["new required field nationality"]


def test_a_new_optional_field_is_not_breaking():
    grown = _variant(ApplicationSubmitted, nationality=(str | None, None))
    assert breaking_changes(event_schema(ApplicationSubmitted), grown.model_json_schema()) == []


def test_a_retyped_field_is_breaking():
    broken = _variant(ApplicationSubmitted, desired_length_months=(str, Field()))
    changes = breaking_changes(event_schema(ApplicationSubmitted), broken.model_json_schema())
    assert changes == ["changed type of desired_length_months: integer -> string"]


def test_a_field_made_nullable_is_breaking():
    broken = _variant(ApplicationSubmitted, organisation_id=(str | None, ...))
    changes = breaking_changes(event_schema(ApplicationSubmitted), broken.model_json_schema())
    assert changes == ["changed type of organisation_id: string -> null | string"]


def test_a_required_field_made_optional_is_breaking():
    broken = _variant(ApplicationSubmitted, organisation_id=(str, "unknown"))
    changes = breaking_changes(event_schema(ApplicationSubmitted), broken.model_json_schema())
    assert changes == ["field organisation_id is no longer required"]


def test_each_kind_of_break_is_reported_at_once():
    broken = _variant(
        ApplicationSubmitted, drop="skills", nationality=(str, ...), earliest_start=(int, ...)
    )
    changes = breaking_changes(event_schema(ApplicationSubmitted), broken.model_json_schema())
    assert sorted(changes) == sorted(
        [
            "removed field skills",
            "new required field nationality",
            "changed type of earliest_start: string(date) -> integer",
        ]
    )


def test_a_removed_enum_value_is_breaking():
    old = event_schema(ApplicationSubmitted)
    new = copy.deepcopy(old)
    new["$defs"]["Grade"]["enum"].remove("SCS3")
    assert breaking_changes(old, new) == ['removed enum value "SCS3" from grade']


def test_an_added_enum_value_is_not_breaking():
    old = event_schema(ApplicationSubmitted)
    new = copy.deepcopy(old)
    new["$defs"]["Sector"]["enum"].append("space")
    assert breaking_changes(old, new) == []


def test_changes_inside_nested_models_and_lists_are_found():
    old = event_schema(MatchProposed)
    new = copy.deepcopy(old)
    del new["$defs"]["ScoreFactor"]["properties"]["weight"]
    new["$defs"]["FilterCheck"]["properties"]["passed"] = {"type": "string"}
    assert sorted(breaking_changes(old, new)) == [
        "changed type of explanation.filters_checked.passed: boolean -> string",
        "removed field explanation.factors.weight",
    ]
