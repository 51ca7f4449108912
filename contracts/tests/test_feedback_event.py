"""PlacementFeedbackGiven carries each party's structured answers for evaluation and no free
text: the comments a party writes are personal data and stay in the approval service."""

import pytest
from contracts.examples import example
from contracts.generate import event_schema
from pydantic import ValidationError

from contracts import FeedbackParty, PlacementFeedbackGiven, pii_paths


def test_the_feedback_event_has_no_free_text_field_only_ids_choices_and_answers():
    schema = event_schema(PlacementFeedbackGiven)
    answers = schema["$defs"]["FeedbackAnswers"]["properties"]
    assert {name: p["type"] for name, p in answers.items()} == {
        "overall": "integer", "objectives_met": "integer", "skills_value": "integer",
        "would_recommend": "boolean"}
    # Every other string is an id (at most 128 characters), a uuid, a date or a fixed choice.
    for name, prop in schema["properties"].items():
        if prop.get("type") == "string" and "format" not in prop and "const" not in prop:
            assert prop.get("maxLength", 10_000) <= 128, name
    assert pii_paths(PlacementFeedbackGiven) == set()


def test_each_answer_is_a_rating_from_1_to_5_and_recommend_is_yes_or_no():
    event = example(PlacementFeedbackGiven)
    assert (event.party, event.answers.would_recommend) == (FeedbackParty.HOST, True)
    for bad in ({"overall": 0}, {"skills_value": 6}, {"would_recommend": "perhaps"}):
        with pytest.raises(ValidationError):
            example(PlacementFeedbackGiven, answers={**event.answers.model_dump(), **bad})
    with pytest.raises(ValidationError, match="comments"):
        example(PlacementFeedbackGiven, comments="free text has no place here")
