from .matching_support import application, opportunity_body, post_opportunity, send, unique_org

DIPLOMATIC = dict(scheme="diplomatic", country="FR", region=None, bcc_chamber_id="bcc-france")


async def test_a_diplomatic_host_with_250_or_more_staff_is_refused_naming_the_rule(service):
    org = unique_org()
    headers = service.auth("h", "host", org=org)
    response = await service.client.post(
        "/opportunities", json=opportunity_body(host_staff_count=250, **DIPLOMATIC),
        headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "host_staff_count"
    assert "fewer than 250 staff" in response.json()["detail"]
    ok = await service.client.post(
        "/opportunities", json=opportunity_body(host_staff_count=249, **DIPLOMATIC),
        headers=headers)
    assert ok.status_code == 201
    # the rule holds on amendment too
    amended = await service.client.patch(f"/opportunities/{ok.json()['opportunity_id']}",
                                         json={"host_staff_count": 400}, headers=headers)
    assert amended.status_code == 422 and amended.json()["field"] == "host_staff_count"
    # a large business is fine outside the diplomatic scheme
    big = await service.client.post("/opportunities", json=opportunity_body(
        host_staff_count=5000), headers=headers)
    assert big.status_code == 201


async def test_rule_violations_name_their_field(service):
    headers = service.auth("h", "host", org=unique_org())
    cases = {"bcc_chamber_id": dict(DIPLOMATIC, bcc_chamber_id=None, host_staff_count=10),
             "start_window_from": dict(start_window_from="2020-01-01"),
             "start_window_to": dict(start_window_to="2027-02-01"),
             "grade_max": dict(grade_min="G6", grade_max="EO"),
             "region": dict(country="FR")}
    for field, fields in cases.items():
        response = await service.client.post("/opportunities",
                                             json=opportunity_body(**fields), headers=headers)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
    too_long = await service.client.post("/opportunities",
                                         json=opportunity_body(length_months=13), headers=headers)
    assert too_long.status_code == 422 and "length_months" in too_long.text


async def test_a_host_sees_and_edits_only_its_own_opportunities(service):
    mine, theirs = unique_org(), unique_org()
    opp = await post_opportunity(service, mine)
    other = await post_opportunity(service, theirs)
    path = f"/opportunities/{opp['opportunity_id']}"
    intruder = service.auth("x", "host", org=theirs)
    assert (await service.client.get(path, headers=intruder)).status_code == 404
    assert (await service.client.patch(path, json={"capacity": 3},
                                       headers=intruder)).status_code == 404
    assert (await service.client.post(f"{path}/close", headers=intruder)).status_code == 404
    assert (await service.client.get(f"{path}/candidates",
                                     headers=intruder)).status_code == 404
    listed = await service.client.get("/opportunities", headers=intruder)
    assert [o["opportunity_id"] for o in listed.json()] == [other["opportunity_id"]]
    applicant = service.auth("a", "applicant")
    assert (await service.client.get("/opportunities", headers=applicant)).status_code == 403
    hr = await service.client.get("/opportunities", headers=service.auth("boss", "hr"))
    assert {o["opportunity_id"] for o in hr.json()} == {opp["opportunity_id"],
                                                        other["opportunity_id"]}
    owner = service.auth("o", "host", org=mine)
    amended = await service.client.patch(path, json={"capacity": 3, "title": "Wind, bigger"},
                                         headers=owner)
    assert amended.status_code == 200
    assert amended.json()["capacity"] == 3 and amended.json()["data"]["title"] == "Wind, bigger"
    closed = await service.client.post(f"{path}/close", json={"reason": "filled"},
                                       headers=owner)
    assert closed.json()["status"] == "closed"


async def test_an_opportunity_cannot_be_amended_once_a_candidate_was_proposed(service, matches):
    org = unique_org()
    opp = await post_opportunity(service, org)
    app = application()
    await send(service, app)
    await matches.wait_for_event("MatchProposed",
                                 where=lambda e: e.application_id == app.application_id)
    response = await service.client.patch(f"/opportunities/{opp['opportunity_id']}",
                                          json={"capacity": 5},
                                          headers=service.auth("o", "host", org=org))
    assert response.status_code == 409
    assert "before any match" in response.json()["detail"]


async def test_published_amended_and_closed_opportunities_reach_the_topic(service):
    from shared.testing.events import TopicReader
    org = unique_org()
    opp = await post_opportunity(service, org)
    headers = service.auth("o", "host", org=org)
    await service.client.patch(f"/opportunities/{opp['opportunity_id']}",
                               json={"capacity": 2}, headers=headers)
    await service.client.post(f"/opportunities/{opp['opportunity_id']}/close", headers=headers)
    async with TopicReader(service.settings.kafka_bootstrap_servers,
                           service.settings.topic("opportunities")) as reader:
        await reader.wait_for(lambda _: len(reader.events()) >= 3)
    kinds = [e.event_type for e in reader.events()]
    assert kinds == ["OpportunityPublished", "OpportunityAmended", "OpportunityClosed"]
    assert reader.events()[1].capacity == 2
