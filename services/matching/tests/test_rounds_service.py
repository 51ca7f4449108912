import uuid

from testkit.harness.events import TopicReader, eventually

from contracts import Sector

from .matching_support import application, opportunity_body, rejection, send, unique_org


async def _waiting(svc) -> int:
    return await svc.runtime.pool.fetchval(
        "SELECT count(*) FROM applications WHERE status = 'waiting'")


async def test_an_hr_round_matches_the_waiting_cohort_and_reports_it(cohort):
    org = unique_org()
    host = cohort.auth("h", "host", org=org)
    for region, capacity in (("North West", 2), ("London", 1)):
        r = await cohort.client.post("/opportunities", headers=host,
                                     json=opportunity_body(region=region, capacity=capacity))
        assert r.status_code == 201
    apps = [application(sectors=(Sector.CLEAN_ENERGY,)) for _ in range(4)]
    await send(cohort, *apps)
    await eventually(lambda: _count_is(cohort, 4))
    hr = cohort.auth("boss", "hr")
    assert (await cohort.client.post("/rounds", headers=host)).status_code == 403
    response = await cohort.client.post("/rounds", headers=hr, json={"minimum_shares": [
        {"dimension": "region", "value": "Scotland", "share": 0.2}]})
    assert response.status_code == 201, response.text
    report = response.json()["report"]
    assert report["matched"] == 3 and report["unmatched"] == 1
    assert report["fill_rate_by_region"]["North West"] == {"places": 2, "filled": 2,
                                                           "fill_rate": 1.0}
    assert "filled by candidates they ranked higher" in next(iter(report["unmatched_reasons"]))
    assert "Scotland" in report["minimum_share_shortfalls"][0]
    round_id = response.json()["round_id"]
    again = await cohort.client.get(f"/rounds/{round_id}", headers=hr)
    assert again.json()["report"]["matched"] == 3
    async with TopicReader(cohort.settings.kafka_bootstrap_servers,
                           cohort.settings.topic("matches")) as reader:
        await reader.wait_for(lambda _: len(reader.events()) >= 4)
    by_type = {e.event_type: [] for e in reader.events()}
    for e in reader.events():
        by_type[e.event_type].append(e)
        assert str(e.round_id) == round_id
    assert len(by_type["MatchProposed"]) == 3 and len(by_type["NoMatchFound"]) == 1
    assert by_type["MatchProposed"][0].explanation.factors
    # a second round has no one left who could be placed
    second = await cohort.client.post("/rounds", headers=hr)
    assert second.json()["report"]["matched"] == 0


async def test_a_round_report_is_only_for_central_hr(cohort):
    missing = await cohort.client.get(f"/rounds/{uuid.uuid4()}",
                                      headers=cohort.auth("boss", "hr"))
    assert missing.status_code == 404
    departmental = cohort.auth("dhr", "hr", org="dept-dbt")
    assert (await cohort.client.get("/rounds", headers=departmental)).status_code == 403
    bad = await cohort.client.post("/rounds", headers=cohort.auth("boss", "hr"), json={
        "minimum_shares": [{"dimension": "region", "value": "Atlantis", "share": 0.2}]})
    assert bad.status_code == 422


async def _count_is(svc, n) -> bool:
    return await _waiting(svc) == n


async def test_a_pair_rejected_after_a_round_is_never_proposed_again(cohort):
    host = cohort.auth("h", "host", org=unique_org())
    first = await cohort.client.post("/opportunities", headers=host,
                                     json=opportunity_body(capacity=1))
    app = application(sectors=(Sector.CLEAN_ENERGY,))
    await send(cohort, app)
    await eventually(lambda: _count_is(cohort, 1))
    hr = cohort.auth("boss", "hr")
    assert (await cohort.client.post("/rounds", headers=hr)).json()["report"]["matched"] == 1
    async with TopicReader(cohort.settings.kafka_bootstrap_servers,
                           cohort.settings.topic("matches")) as reader:
        proposed = await reader.wait_for_event("MatchProposed")
        assert str(proposed.opportunity_id) == first.json()["opportunity_id"]
        await send(cohort, rejection(proposed))
        await reader.wait_for_event("NoMatchFound",
                                    where=lambda e: e.application_id == app.application_id)
    # the application waits again and the place is free, but the pair failed: no match
    report = (await cohort.client.post("/rounds", headers=hr)).json()["report"]
    assert report["applicants"] == 1 and report["matched"] == 0
    assert report["places"] == 1
