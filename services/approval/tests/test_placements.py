"""Placement lifecycle: start, extension within a year, an end bounded by its dates with the
ender's own rating; who may see it."""

from datetime import timedelta

import pytest
from approval.domain import add_months

from contracts import Scheme

from .conftest import (
    HR,
    approve_all,
    host,
    months_from_today,
    proposal,
    propose,
    running_placement,
    utc_today,
)


async def test_a_placement_starts_extends_within_a_year_and_ends_with_the_enders_own_rating(
        service, reader):
    began = months_from_today(-1)
    p = proposal(Scheme.INDUSTRY, start_date=began)
    await propose(service, p)
    confirmed = await approve_all(service, reader, p)
    url = f"/placements/{confirmed.placement_id}"

    r = await service.client.get(url, headers=service.auth(p.applicant_id, "applicant"))
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["end_date"]) == ("confirmed", str(add_months(began, 6)))

    r = await service.client.post(f"{url}/start", json={"started_on": str(began)},
                                  headers=host(service, p))
    assert (r.status_code, r.json()["status"]) == (200, "started")
    r = await service.client.post(f"{url}/start", headers=host(service, p))
    assert r.status_code == 409

    r = await service.client.post(f"{url}/extend", json={"new_end_date": str(add_months(
        began, 11))}, headers=host(service, p))
    assert (r.status_code, r.json()["end_date"]) == (200, str(add_months(began, 11)))
    too_late = add_months(began, 12) + timedelta(days=1)
    r = await service.client.post(f"{url}/extend", json={"new_end_date": str(too_late)},
                                  headers=service.auth(*HR))
    assert r.status_code == 422
    assert r.json()["field"] == "new_end_date" and "12 months" in r.json()["detail"]
    r = await service.client.post(f"{url}/extend", json={"new_end_date": str(add_months(
        began, 12))}, headers=service.auth(*HR))
    assert r.status_code == 200

    placee = service.auth(p.applicant_id, "applicant")
    r = await service.client.post(f"{url}/end", json={"outcome": "ended_early"},
                                  headers=placee)
    assert (r.status_code, r.json()["field"]) == (422, "reason")
    # One caller speaks for one side: the host's rating sent by the placee is not recorded.
    r = await service.client.post(f"{url}/end", headers=placee,
                                  json={"outcome": "ended_early", "reason": "family move",
                                        "ended_on": str(utc_today()), "placee_rating": 4,
                                        "host_rating": 5, "skills_gained": ["grid economics"]})
    assert (r.status_code, r.json()["status"]) == (200, "ended")
    assert (r.json()["placee_rating"], r.json()["host_rating"]) == (4, None)

    ended = await reader.wait_for_event("PlacementEnded",
                                        where=lambda e: e.application_id == p.application_id)
    assert (ended.outcome, ended.ended_by, ended.host_rating, ended.placee_rating) == (
        "ended_early", p.applicant_id, None, 4)
    assert (ended.start_date, ended.ended_on) == (began, utc_today())
    assert ended.skills_gained == ("grid economics",)
    extended = [e for e in reader.events() if e.event_type == "PlacementExtended"
                and e.application_id == p.application_id]
    assert [e.new_end_date for e in extended] == [add_months(began, 11), add_months(began, 12)]
    started = await reader.wait_for_event("PlacementStarted",
                                          where=lambda e: e.application_id == p.application_id)
    assert started.causation_id == confirmed.event_id


@pytest.mark.parametrize(("ended_on", "rule"), [
    (lambda began, end: began - timedelta(days=1), "before the day it started"),
    (lambda began, end: end + timedelta(days=1), "after the planned end date"),
    (lambda began, end: utc_today() + timedelta(days=1), "must not be in the future"),
], ids=["before-the-start", "after-the-planned-end", "in-the-future"])
async def test_an_early_end_outside_the_start_the_planned_end_or_today_is_a_422_naming_ended_on(
        service, reader, ended_on, rule):
    began = months_from_today(-1)
    p, confirmed = await running_placement(service, reader, began, 2)
    end = add_months(began, 2)
    r = await service.client.post(f"/placements/{confirmed.placement_id}/end",
                                  headers=host(service, p),
                                  json={"outcome": "ended_early", "reason": "team moved",
                                        "ended_on": str(ended_on(began, end))})
    assert (r.status_code, r.json()["field"]) == (422, "ended_on"), r.text
    assert rule in r.json()["detail"]
    r = await service.client.get(f"/placements/{confirmed.placement_id}",
                                 headers=host(service, p))
    assert r.json()["status"] == "started"


async def test_the_host_ending_a_placement_records_its_own_rating_only(service, reader):
    p, confirmed = await running_placement(service, reader, months_from_today(-1), 3)
    r = await service.client.post(f"/placements/{confirmed.placement_id}/end",
                                  headers=host(service, p),
                                  json={"outcome": "completed", "host_rating": 5,
                                        "placee_rating": 2})
    assert (r.status_code, r.json()["host_rating"], r.json()["placee_rating"]) == (200, 5, None)
    assert r.json()["ended_on"] == str(utc_today())


async def test_outsiders_cannot_see_a_placement_and_the_placee_cannot_extend_it(service, reader):
    p = proposal(Scheme.DIPLOMATIC)
    await propose(service, p)
    confirmed = await approve_all(service, reader, p)
    url = f"/placements/{confirmed.placement_id}"
    for outsider, extending in ((service.auth("someone-else", "applicant"), 403),
                                (service.auth("host-2", "host", org="sme-other"), 404),
                                (service.auth("hr-bob", "hr", org="dept-other"), 404)):
        assert (await service.client.get(url, headers=outsider)).status_code == 404
        # Applicants never extend a placement (403); other hosts and HR hear of none (404).
        r = await service.client.post(f"{url}/extend", json={"new_end_date": "2027-08-01"},
                                      headers=outsider)
        assert r.status_code == extending
    assert (await service.client.get(url, headers=service.auth(*HR))).status_code == 200
    r = await service.client.post(f"{url}/extend", json={"new_end_date": "2027-08-01"},
                                  headers=service.auth(p.applicant_id, "applicant"))
    assert r.status_code == 403
    r = await service.client.post(f"{url}/end", json={"outcome": "completed"},
                                  headers=service.auth(*HR))
    assert r.status_code == 409 and "started" in r.json()["detail"]
