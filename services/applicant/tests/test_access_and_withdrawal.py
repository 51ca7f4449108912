from contracts import (
    MatchProposed,
    PlacementConfirmed,
    PlacementRejected,
    PlacementStarted,
    RejectionReason,
    Scheme,
)

from .conftest import PROFILES, applied, apply, as_applicant, make_profile, send, status_becomes
from .test_status import about, timeline_has, timeline_of

HR = ("hr-alice", "hr")


async def withdraw(svc, sub: str, app: dict, **body):
    return await svc.client.post(f"/applications/{app['id']}/withdraw", json=body or None,
                                 headers=as_applicant(svc, sub))


async def test_withdrawing_emits_application_withdrawn_and_closes_the_application(service,
                                                                                  reader):
    sub, app = await applied(service, Scheme.DIPLOMATIC)
    r = await withdraw(service, sub, app, reason="my post needs me")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn" and r.json()["awaiting"] is None
    event = await reader.wait_for_event("ApplicationWithdrawn",
                                        where=lambda e: str(e.application_id) == app["id"])
    assert (event.applicant_id, event.scheme, event.reason) == (sub, "diplomatic",
                                                                "my post needs me")
    assert str(event.correlation_id) == app["id"]
    lines = await timeline_of(service, sub, app)
    assert lines[-1]["summary"] == "application withdrawn: my post needs me"


async def test_a_confirmed_placement_can_still_be_withdrawn_before_it_starts(service):
    sub, app = await applied(service)
    await send(service, about(app, MatchProposed), about(app, PlacementConfirmed))
    await status_becomes(service, sub, app["id"], "confirmed")
    assert (await withdraw(service, sub, app)).status_code == 200
    # Approval's compensation arrives afterwards: the application stays withdrawn.
    await send(service, about(app, PlacementRejected, reason=RejectionReason.WITHDRAWN))
    lines = await timeline_has(service, sub, app, 5)
    assert lines[-1]["event_type"] == "PlacementRejected" and lines[-1]["status"] is None
    view = (await service.client.get(f"/applications/{app['id']}",
                                     headers=as_applicant(service, sub))).json()
    assert view["status"] == "withdrawn"


async def test_a_started_placement_cannot_be_withdrawn(service):
    sub, app = await applied(service)
    await send(service, about(app, PlacementStarted))
    await status_becomes(service, sub, app["id"], "started")
    r = await withdraw(service, sub, app)
    assert r.status_code == 409
    assert "only until its placement starts" in r.json()["detail"]


async def test_withdrawing_twice_is_refused(service):
    sub, app = await applied(service)
    assert (await withdraw(service, sub, app)).status_code == 200
    r = await withdraw(service, sub, app)
    assert r.status_code == 409 and "already withdrawn" in r.json()["detail"]


async def test_another_applicant_sees_nothing_of_the_first_ones_application(service):
    owner, app = await applied(service)
    other = await make_profile(service)
    headers = as_applicant(service, other)
    for path in (f"/applications/{app['id']}", f"/applications/{app['id']}/timeline"):
        assert (await service.client.get(path, headers=headers)).status_code == 404
    assert (await withdraw(service, other, app)).status_code == 404
    assert (await service.client.get(f"/applicants/{owner}", headers=headers)).status_code == 404
    listing = (await service.client.get("/applications", headers=headers)).json()
    assert listing["total"] == 0
    # The owner's application is untouched.
    await status_becomes(service, owner, app["id"], "submitted")


async def test_central_hr_sees_every_application_and_profile(service):
    owner, app = await applied(service)
    hr = service.auth(*HR)
    assert (await service.client.get(f"/applications/{app['id']}", headers=hr)).status_code == 200
    assert (await service.client.get(f"/applications/{app['id']}/timeline",
                                     headers=hr)).status_code == 200
    profile = (await service.client.get(f"/applicants/{owner}", headers=hr)).json()
    assert profile["email"] == PROFILES[Scheme.INDUSTRY]["email"]
    listing = (await service.client.get("/applications", params={"applicant_id": owner},
                                        headers=hr)).json()
    assert [a["id"] for a in listing["items"]] == [app["id"]]
    everyone = (await service.client.get("/applications", headers=hr)).json()
    assert everyone["total"] > 1


async def test_departmental_hr_is_not_central_hr(service):
    _, app = await applied(service)
    headers = service.auth("hr-bob", "hr", org="dept-dbt")
    r = await service.client.get(f"/applications/{app['id']}", headers=headers)
    assert r.status_code == 404


async def test_an_applicant_reads_their_own_profile_and_applications_page_by_page(service):
    sub = await make_profile(service, Scheme.INDUSTRY)
    mine = as_applicant(service, sub)
    profile = (await service.client.get("/applicants/me", headers=mine)).json()
    assert (profile["id"], profile["kind"], profile["name"]) == (sub, "civil_servant",
                                                                 "Asha Patel")
    ids = []
    for _ in range(3):
        r = await apply(service, sub)
        ids.append(r.json()["id"])
        await withdraw(service, sub, r.json())
    page1 = (await service.client.get("/applications", params={"limit": 2},
                                      headers=mine)).json()
    page2 = (await service.client.get("/applications", params={"limit": 2, "offset": 2},
                                      headers=mine)).json()
    assert page1["total"] == 3 and len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert [a["id"] for a in page1["items"] + page2["items"]] == ids[::-1]
    r = await service.client.get("/applications", params={"limit": 10_000}, headers=mine)
    assert r.status_code == 422 and r.json()["field"] == "limit"


async def test_updating_a_profile_keeps_its_identity_and_returns_200(service):
    sub = await make_profile(service)
    r = await service.client.put("/applicants/me", headers=as_applicant(service, sub),
                                 json={**PROFILES[Scheme.INDUSTRY], "grade": "G6"})
    assert r.status_code == 200 and r.json()["grade"] == "G6" and r.json()["id"] == sub


async def test_no_profile_reads_as_404_with_a_hint(service):
    r = await service.client.get("/applicants/me", headers=as_applicant(service, "nobody-yet"))
    assert r.status_code == 404 and "PUT /applicants/me" in r.json()["detail"]


async def test_the_openapi_document_has_examples_for_each_scheme(service):
    doc = (await service.client.get("/openapi.json")).json()
    body = doc["paths"]["/applications"]["post"]["requestBody"]["content"]["application/json"]
    schemes = {ex["value"]["scheme"] for ex in body["examples"].values()}
    assert schemes == {"industry", "government", "diplomatic"}
    profile = doc["paths"]["/applicants/me"]["put"]["requestBody"]["content"]["application/json"]
    assert len(profile["examples"]) == 3
    assert all(op.get("summary") for path in doc["paths"].values() for op in path.values())
