from datetime import date

import pytest
from contracts.examples import example
from pydantic import ValidationError

from contracts import (
    ApplicationSubmitted,
    Clearance,
    Country,
    Grade,
    OpportunityCapacityChanged,
    OpportunityPublished,
    PlacementConfirmed,
    PlacementEnded,
    PlacementExtended,
    Sector,
    UKRegion,
)


@pytest.mark.parametrize("months", [0, 13, -1])
def test_a_desired_length_outside_1_to_12_months_is_refused(months):
    with pytest.raises(ValidationError, match="desired_length_months"):
        example(ApplicationSubmitted, desired_length_months=months)


@pytest.mark.parametrize("months", [1, 12])
def test_an_opportunity_of_1_or_12_months_is_fine(months):
    assert example(OpportunityPublished, length_months=months).length_months == months


def test_an_opportunity_needs_at_least_one_place():
    with pytest.raises(ValidationError, match="capacity"):
        example(OpportunityPublished, capacity=0)


def test_an_opportunity_start_window_cannot_end_before_it_begins():
    with pytest.raises(ValidationError, match="start_window_to"):
        example(
            OpportunityPublished,
            start_window_from=date(2027, 2, 1),
            start_window_to=date(2027, 1, 1),
        )


def test_an_opportunity_grade_range_cannot_be_upside_down():
    with pytest.raises(ValidationError, match="grade_min"):
        example(OpportunityPublished, grade_min=Grade.G6, grade_max=Grade.HEO)


def test_places_left_cannot_exceed_capacity():
    with pytest.raises(ValidationError, match="places_left"):
        example(OpportunityCapacityChanged, capacity=2, places_left=3)


@pytest.mark.parametrize("end", [date(2027, 1, 4), date(2027, 1, 3)])
def test_a_placement_must_end_after_it_starts(end):
    with pytest.raises(ValidationError, match="end_date must be after start_date"):
        example(PlacementConfirmed, start_date=date(2027, 1, 4), end_date=end)


def test_an_extension_must_move_the_end_later():
    with pytest.raises(ValidationError, match="new_end_date"):
        example(
            PlacementExtended, previous_end_date=date(2027, 7, 3), new_end_date=date(2027, 7, 1)
        )


@pytest.mark.parametrize("field", ["host_rating", "placee_rating"])
@pytest.mark.parametrize("value", [0, 6])
def test_ratings_are_from_1_to_5(field, value):
    with pytest.raises(ValidationError, match=field):
        example(PlacementEnded, **{field: value})


def test_a_declared_interest_needs_an_organisation():
    with pytest.raises(ValidationError, match="organisation_id or organisation_name"):
        example(ApplicationSubmitted, declared_interests=[{"kind": "policy"}])


def test_enums_travel_as_their_wire_values():
    event = example(ApplicationSubmitted, preferred_regions=[UKRegion.YORKSHIRE_AND_THE_HUMBER])
    body = event.to_dict()
    assert body["scheme"] == "industry" and body["grade"] == "G7"
    assert body["preferred_regions"] == ["Yorkshire and The Humber"]


def test_an_unknown_country_code_is_refused():
    with pytest.raises(ValidationError, match="preferred_countries"):
        example(ApplicationSubmitted, preferred_countries=["UK"])


def test_grades_compare_by_seniority_not_alphabet():
    assert Grade.EO < Grade.HEO < Grade.SEO < Grade.G7 < Grade.G6 < Grade.SCS1 < Grade.SCS3
    assert sorted([Grade.SCS1, Grade.AA, Grade.G6, Grade.G7]) == [
        Grade.AA,
        Grade.G7,
        Grade.G6,
        Grade.SCS1,
    ]
    assert Grade.G7.within(Grade.HEO, Grade.G6)
    assert not Grade.SCS1.within(None, Grade.G6)


def test_clearances_compare_by_strength():
    assert Clearance.NONE < Clearance.BPSS < Clearance.SC < Clearance.DV
    assert Clearance.DV.covers(Clearance.SC)
    assert not Clearance.BPSS.covers(Clearance.SC)


def test_the_vocabularies_are_complete():
    assert len(Sector) == 8
    assert len(UKRegion) == 12
    assert len(Grade) == 10
    assert len(Country) == 249
    assert {"GB", "US", "FR", "JP", "ZA", "AQ"} <= {c.value for c in Country}
    assert "UK" not in {c.value for c in Country}
