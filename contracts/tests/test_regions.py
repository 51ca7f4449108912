import pytest
from contracts.examples import example
from pydantic import ValidationError

from contracts import ITL1_CODES, ITL2Region, OpportunityPublished, UKRegion, itl1_of, itl2_name


def test_every_itl1_region_has_at_least_one_itl2_region_and_each_names_its_parent():
    parents = {itl1_of(r) for r in ITL2Region}
    assert parents == set(UKRegion)
    assert len(ITL2Region) == 41
    assert all(str(r).startswith(ITL1_CODES[itl1_of(r)]) for r in ITL2Region)
    assert itl2_name(ITL2Region.GREATER_MANCHESTER) == "Greater Manchester"


def test_an_opportunity_given_only_its_itl2_region_gets_the_itl1_region_derived():
    opp = example(OpportunityPublished, region=None, itl2=ITL2Region.GREATER_MANCHESTER)
    assert opp.region == UKRegion.NORTH_WEST
    assert opp.itl2 == "TLD3"


def test_an_itl2_region_outside_the_given_itl1_region_is_refused_naming_both():
    with pytest.raises(ValidationError, match="TLD3 lies in North West, not London"):
        example(OpportunityPublished, region=UKRegion.LONDON, itl2="TLD3")


def test_an_opportunity_without_itl2_is_still_valid_as_before():
    assert example(OpportunityPublished).itl2 is None
