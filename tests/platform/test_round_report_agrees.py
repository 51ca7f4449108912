"""A round's report two ways, on the real broker and databases: matching's GET
/rounds/{id}/report (its own figures and check) and the monitor's, rebuilt from the events
alone with its own blocking-pair check. They agree field by field, verdict included."""

import contextlib
import uuid
from datetime import date

from contracts.examples import example
from matching.app import build_app as build_matching
from matching.config import MatchingSettings
from monitor.app import build_app as build_monitor
from monitor.config import MonitorSettings
from testkit.harness.events import eventually
from testkit.harness.service import running_service, unique_prefix
from testkit.harness.service import test_settings as fresh_settings

from contracts import ApplicationSubmitted

FAST = dict(consumer_retry_backoff_seconds=0.01, write_rate_per_minute=100_000)
HR = ("boss", "hr")
ORG = "org-rounds"


@contextlib.asynccontextmanager
async def matching_and_monitor():
    prefix = unique_prefix()  # one topic namespace: the monitor reads what matching writes
    matching = await fresh_settings(MatchingSettings, topic_prefix=prefix,
                                    continuous_matching=False, **FAST)
    monitor = await fresh_settings(MonitorSettings, topic_prefix=prefix, **FAST)
    async with running_service(build_matching, matching) as m, \
            running_service(build_monitor, monitor) as mon:
        yield m, mon


async def publish_opportunity(svc, region: str, capacity: int, sector="clean_energy") -> str:
    body = {"host_name": "WindCo Ltd", "host_staff_count": 120, "host_sector": sector,
            "country": "GB", "region": region, "scheme": "industry", "title": "Secondment",
            "sector": sector, "required_skills": ["policy analysis"],
            "start_window_from": "2027-03-01", "start_window_to": "2027-06-30",
            "length_months": 6, "clearance_needed": "BPSS", "capacity": capacity,
            "closing_date": "2027-02-15"}
    r = await svc.client.post("/opportunities", json=body,
                              headers=svc.auth("host-1", "host", org=ORG))
    assert r.status_code == 201, r.text
    return r.json()["opportunity_id"]


async def applicants(svc, n: int) -> list[ApplicationSubmitted]:
    apps = []
    for _ in range(n):
        app_id = uuid.uuid4()
        apps.append(example(ApplicationSubmitted, application_id=app_id,
                            correlation_id=app_id, applicant_id=f"applicant-{app_id.hex[:8]}",
                            opportunity_id=None, declared_interests=(),
                            earliest_start=date(2027, 3, 1)))
    await svc.publish(*apps)

    async def known() -> bool:
        return await svc.runtime.pool.fetchval("SELECT count(*) FROM applications") == n
    await eventually(known)
    return apps


async def rank(svc, app, opportunity_ids: list[str]) -> None:
    r = await svc.client.put(f"/applications/{app.application_id}/ranking",
                             json={"opportunity_ids": opportunity_ids},
                             headers=svc.auth(app.applicant_id, "applicant"))
    assert r.status_code == 200, r.text


async def test_matching_and_the_monitor_publish_the_same_round_report():
    async with matching_and_monitor() as (matching, monitor):
        london = await publish_opportunity(matching, "London", 2)
        north_west = await publish_opportunity(matching, "North West", 3)
        await publish_opportunity(matching, "Scotland", 1, sector="digital_and_technologies")
        a1, a2, a3, a4, a5 = await applicants(matching, 5)
        for app, wanted in ((a1, [london, north_west]), (a2, [london, north_west]),
                            (a3, [north_west]), (a4, [north_west]), (a5, [])):
            await rank(matching, app, wanted)
        r = await matching.client.put(f"/opportunities/{london}/ranking",
                                      json={"order": [str(a1.application_id),
                                                      str(a2.application_id)], "excluded": []},
                                      headers=matching.auth("host-1", "host", org=ORG))
        assert r.status_code == 200, r.text
        # North West holds 2 of 4 matches; 70% asks for 3: a2 is moved from London.
        r = await matching.client.post("/rounds", headers=matching.auth(*HR), json={
            "seed": 42, "minimum_shares": [
                {"dimension": "region", "value": "North West", "share": 0.7}]})
        assert r.status_code == 201, r.text
        path = f"/rounds/{r.json()['round_id']}/report"
        ours = (await matching.client.get(path, headers=matching.auth(*HR))).json()

        async def rebuilt() -> dict | None:
            got = await monitor.client.get(path, headers=monitor.auth(*HR))
            return got.json() if got.status_code == 200 else None

        theirs = await eventually(rebuilt, timeout=60)
    assert (ours["matched"], ours["unmatched"], ours["places"]) == (4, 1, 6)
    [target] = ours["targets"]
    assert target["bound"] and target["met"] and target["pairs_held_apart"] == 1
    check = ours["verification"]
    assert check["stable"] and check["blocking_pairs"] == check["blocking_pairs_held_apart"] == 1
    for field in ours:
        assert theirs[field] == ours[field], field
    assert theirs == ours
