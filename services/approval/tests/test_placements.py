"""Placement lifecycle: start, extension within a year, end with feedback; who may see it."""

from contracts import Scheme

from .conftest import HR, approve_all, proposal, propose


def host(svc, p):
    return svc.auth("host-user", "host", org=p.host_org_id)


async def test_a_placement_starts_extends_within_a_year_and_ends_with_feedback(service, reader):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    confirmed = await approve_all(service, reader, p)
    url = f"/placements/{confirmed.placement_id}"

    r = await service.client.get(url, headers=service.auth(p.applicant_id, "applicant"))
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["end_date"]) == ("confirmed", "2027-07-04")

    r = await service.client.post(f"{url}/start", json={"started_on": "2027-01-04"},
                                  headers=host(service, p))
    assert (r.status_code, r.json()["status"]) == (200, "started")
    r = await service.client.post(f"{url}/start", headers=host(service, p))
    assert r.status_code == 409

    r = await service.client.post(f"{url}/extend", json={"new_end_date": "2027-12-04"},
                                  headers=host(service, p))
    assert (r.status_code, r.json()["end_date"]) == (200, "2027-12-04")
    r = await service.client.post(f"{url}/extend", json={"new_end_date": "2028-01-05"},
                                  headers=service.auth(*HR))
    assert r.status_code == 422
    assert r.json()["field"] == "new_end_date" and "12 months" in r.json()["detail"]
    r = await service.client.post(f"{url}/extend", json={"new_end_date": "2028-01-04"},
                                  headers=service.auth(*HR))
    assert r.status_code == 200

    r = await service.client.post(f"{url}/end",
                                  json={"outcome": "ended_early", "ended_on": "2027-09-30"},
                                  headers=service.auth(p.applicant_id, "applicant"))
    assert (r.status_code, r.json()["field"]) == (422, "reason")
    r = await service.client.post(f"{url}/end", headers=service.auth(p.applicant_id, "applicant"),
                                  json={"outcome": "ended_early", "reason": "family move",
                                        "ended_on": "2027-09-30", "placee_rating": 4,
                                        "host_rating": 5, "skills_gained": ["grid economics"]})
    assert (r.status_code, r.json()["status"]) == (200, "ended")

    ended = await reader.wait_for_event("PlacementEnded",
                                        where=lambda e: e.application_id == p.application_id)
    assert (ended.outcome, ended.ended_by, ended.host_rating, ended.placee_rating) == (
        "ended_early", p.applicant_id, 5, 4)
    assert ended.skills_gained == ("grid economics",)
    extended = [e for e in reader.events() if e.event_type == "PlacementExtended"
                and e.application_id == p.application_id]
    assert [e.new_end_date.isoformat() for e in extended] == ["2027-12-04", "2028-01-04"]
    started = await reader.wait_for_event("PlacementStarted",
                                          where=lambda e: e.application_id == p.application_id)
    assert started.causation_id == confirmed.event_id


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
