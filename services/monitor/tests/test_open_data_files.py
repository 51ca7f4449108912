"""A release's files validate as a Frictionless Data Package whatever they hold (every kind of
area, or nothing at all), a file that breaks its schema does not, and quarters fall due on
the right day."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from frictionless import validate
from monitor.opendata import files
from monitor.opendata.periods import Quarter, latest_due, next_due
from monitor.opendata.rules import Cell, area_of, size_band

RELEASED = datetime(2026, 10, 8, 9, 30, tzinfo=UTC)
EVERY_KIND = {Cell("industry", "defence", "ITL2", "TLD3", "small"): 10,
              Cell("industry", "defence", "ITL1", "TLL", "medium"): 5,
              Cell("government", "life_sciences", "UK", "GB", "unknown"): 15,
              Cell("diplomatic", "clean_energy", "country", "JP", "micro"): 5}


def written(tmp_path, published) -> dict[str, str]:
    made = files.build(Quarter(2026, 3), published, RELEASED)
    for name, text in made.items():
        (tmp_path / name).write_text(text)
    return made


@pytest.mark.parametrize("published", [EVERY_KIND, {}], ids=["every kind of area", "empty"])
def test_a_release_s_files_validate_as_a_frictionless_data_package(tmp_path, published):
    made = written(tmp_path, published)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads(made["datapackage.json"])
    assert package["licenses"][0]["path"].endswith("open-government-licence/version/3/")
    assert package["period"] == {"name": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"}
    assert package["release_date"] == "2026-10-08"
    assert [r["path"] for r in package["resources"]] == list(files.FILES[1:])


def test_a_file_that_breaks_its_schema_fails_validation(tmp_path):
    made = written(tmp_path, EVERY_KIND)
    (tmp_path / "placements.csv").write_text(made["placements.csv"].replace(",10\r\n", ",3\r\n"))
    report = validate(str(tmp_path / "datapackage.json"))
    assert not report.valid
    assert ["constraint-error"] == sorted({e[0] for e in report.flatten(["type"])})


def test_the_areas_names_and_itl1_figures_are_what_a_reader_expects():
    rows = files.placement_rows(Quarter(2026, 3), EVERY_KIND)
    assert [(r["area_name"], r["itl1_name"]) for r in rows] == [
        ("Japan", None), ("United Kingdom (region not stated)", None),
        ("Greater Manchester", "North West"), ("Wales (area not stated)", "Wales")]
    assert [(r["itl1_name"], r["placements"]) for r in
            files.itl1_rows(Quarter(2026, 3), EVERY_KIND)] == [("North West", 10), ("Wales", 5)]


def test_a_placement_is_placed_by_its_opportunity_s_itl2_region_else_region_else_country():
    assert area_of({"country": "GB", "region": "North West"}, {"itl2": "TLD3"}) == ("ITL2",
                                                                                    "TLD3")
    # an ITL2 region that contradicts the placement's own ITL1 region is not trusted
    assert area_of({"country": "GB", "region": "London"}, {"itl2": "TLD3"}) == ("ITL1", "TLI")
    assert area_of({"country": "FR"}, None) == ("country", "FR")
    assert area_of({"country": "GB"}, None) == ("UK", "GB")
    assert [size_band(n) for n in (None, 9, 10, 49, 50, 249, 250)] == [
        "unknown", "micro", "small", "small", "medium", "medium", "large"]


def test_a_quarter_falls_due_its_lag_after_it_ends():
    assert Quarter.parse("2026-Q4").due_at(7) == datetime(2027, 1, 8, tzinfo=UTC)
    assert latest_due(datetime(2027, 1, 7, 23, 59, tzinfo=UTC), 7) == Quarter(2026, 3)
    assert latest_due(datetime(2027, 1, 8, tzinfo=UTC), 7) == Quarter(2026, 4)
    assert next_due(datetime(2027, 1, 8, tzinfo=UTC), 7) == Quarter(2027, 1)
    with pytest.raises(ValueError, match="YYYY-Qn"):
        Quarter.parse("2026-Q5")
