"""KPI targets on the real broker and database: central HR sets targets, the monitor measures
each KPI by quarter from the events it logged and says whether each target was met; bad
targets are refused naming the field; nobody else may set or read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from contracts.examples import example

from contracts import (
    FollowUpLapsed,
    OpportunityPublished,
    OutcomeRecorded,
    PlacementConfirmed,
    PlacementEnded,
    UKRegion,
)

from .conftest import publish_events, wait_logged
from .research_world import later, submitted


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def opportunity(published: datetime, places: int, staff: int, region: UKRegion):
    opp = uuid.uuid4()
    return example(OpportunityPublished, opportunity_id=opp, correlation_id=opp,
                   capacity=places, host_staff_count=staff, region=region,
                   occurred_at=published)


def placed(opp, confirmed: datetime, ended: tuple | None = None) -> list:
    first = submitted(0).model_copy(update={"occurred_at": at(1, 20)})
    placement = uuid.uuid4()
    events = [first, later(PlacementConfirmed, first, placement_id=placement,
                           opportunity_id=opp.opportunity_id, region=opp.region,
                           occurred_at=confirmed)]
    if ended:
        outcome, on = ended
        events.append(later(PlacementEnded, first, placement_id=placement,
                            opportunity_id=opp.opportunity_id, outcome=outcome,
                            start_date="2026-02-01", ended_on=on.date(), host_rating=4,
                            placee_rating=5, occurred_at=on))
    return events


def follow_ups() -> list:
    """Three due in 2026-Q2: two answered (one of them twice), one lapsed."""
    first = submitted(0)
    due = dict(left_on="2025-11-15", due_on="2026-05-15")
    answered = [later(OutcomeRecorded, first, follow_up_id=uuid.uuid4(), **due)
                for _ in range(2)]
    twice = later(OutcomeRecorded, first, follow_up_id=answered[0].follow_up_id, **due)
    lapsed = later(FollowUpLapsed, first, follow_up_id=uuid.uuid4(), **due)
    return [first, *answered, twice, lapsed]


def world() -> list:
    north = opportunity(at(1, 10), 4, 40, UKRegion.NORTH_WEST)
    london = opportunity(at(4, 10), 2, 500, UKRegion.LONDON)
    return [north, london, *follow_ups(),
            *[e for _ in range(3) for e in placed(north, at(2, 1))],
            *placed(north, at(4, 5), ("completed", at(5, 15))),
            *placed(london, at(5, 1), ("ended_early", at(5, 20))),
            *placed(london, at(5, 2))]


def point(series: dict, kpi: str, period: str, region: str | None = None) -> dict:
    [line] = [s for s in series["series"] if s["kpi"] == kpi and s["region"] == region]
    return next(p for p in line["points"] if p["period"] == period)


async def test_each_kpi_by_quarter_is_measured_and_set_against_the_target_in_force(
        fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    events = world()
    await publish_events(service, *events)
    await wait_logged(service, *events)
    for body in ({"kpi": "region_share", "region": "North West", "target": 50,
                  "from_period": "2026-Q1"},
                 {"kpi": "sme_host_share", "target": 60, "from_period": "2026-Q2"},
                 {"kpi": "region_share", "region": "North West", "target": 30,
                  "from_period": "2026-Q2"}):
        made = await service.client.post("/kpi-targets", headers=hr, json=body)
        assert made.status_code == 201, made.text
        assert made.json()["set_by"] == "hr-1"

    got = await service.client.get("/kpi-targets/series", headers=hr,
                                    params={"from_period": "2026-Q1", "to_period": "2026-Q2"})
    assert got.status_code == 200, got.text
    s = got.json()
    assert point(s, "region_share", "2026-Q1", "North West") == {
        "period": "2026-Q1", "value": 100.0, "numerator": 3, "denominator": 3,
        "target": 50.0, "met": True}
    q2_north = point(s, "region_share", "2026-Q2", "North West")
    assert (q2_north["value"], q2_north["target"], q2_north["met"]) == (33.3, 30.0, True)
    assert point(s, "region_share", "2026-Q2", "London")["value"] == 66.7
    assert point(s, "sme_host_share", "2026-Q1")["met"] is None  # no target yet
    sme = point(s, "sme_host_share", "2026-Q2")
    assert (sme["value"], sme["target"], sme["met"]) == (33.3, 60.0, False)
    assert point(s, "fill_rate", "2026-Q1")["value"] == 100.0  # 4 of 4 places
    assert point(s, "completion_rate", "2026-Q2")["value"] == 50.0
    assert point(s, "completion_rate", "2026-Q1")["value"] is None
    assert point(s, "days_to_confirmation", "2026-Q1")["value"] == 12.0
    response = point(s, "follow_up_response_rate", "2026-Q2")
    assert (response["numerator"], response["denominator"]) == (2, 3)

    history = (await service.client.get("/kpi-targets", headers=hr)).json()["targets"]
    assert [t["target"] for t in history] == [30.0, 60.0, 50.0]  # newest first, all kept


@pytest.mark.parametrize(("body", "field"), [
    ({"kpi": "happiness", "target": 1, "from_period": "2026-Q1"}, "kpi"),
    ({"kpi": "region_share", "target": 10, "from_period": "2026-Q1"}, "region"),
    ({"kpi": "region_share", "region": "Narnia", "target": 10, "from_period": "2026-Q1"},
     "region"),
    ({"kpi": "fill_rate", "region": "London", "target": 10, "from_period": "2026-Q1"},
     "region"),
    ({"kpi": "fill_rate", "target": 150, "from_period": "2026-Q1"}, "target"),
    ({"kpi": "host_rating", "target": 0.5, "from_period": "2026-Q1"}, "target"),
    ({"kpi": "fill_rate", "target": 50, "from_period": "2026-Q5"}, "from_period"),
])
async def test_a_target_that_cannot_be_is_refused_naming_the_field(service, body, field):
    refused = await service.client.post("/kpi-targets", headers=service.auth("hr-1", "hr"),
                                        json=body)
    assert refused.status_code == 422
    assert refused.json()["field"] == field, refused.json()


async def test_a_backwards_or_too_long_range_is_refused_naming_the_field(service):
    hr = service.auth("hr-1", "hr")
    for params, field in (({"from_period": "2026-Q3", "to_period": "2026-Q1"}, "from_period"),
                          ({"from_period": "2010-Q1", "to_period": "2026-Q1"}, "to_period")):
        got = await service.client.get("/kpi-targets/series", headers=hr, params=params)
        assert got.status_code == 422 and got.json()["field"] == field, got.json()


async def test_only_central_hr_may_set_or_read_targets(service):
    body = {"kpi": "fill_rate", "target": 50, "from_period": "2026-Q1"}
    for who in (service.auth("hr-2", "hr", org="dept-dbt"),
                service.auth("isc-1", "evaluator"), service.auth("alice", "applicant")):
        assert (await service.client.post("/kpi-targets", headers=who,
                                          json=body)).status_code == 403
        assert (await service.client.get("/kpi-targets/series",
                                         headers=who)).status_code == 403
