"""Open-data releases on the real broker and database: HR (or the timer) makes a quarter's
release, anyone reads it without signing in, its files validate as a Frictionless Data
Package, it never changes afterwards, and a quarter not yet out is a 404 naming its date."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from contracts.examples import example
from frictionless import validate
from monitor.app import build_app
from monitor.config import MonitorSettings
from monitor.opendata.periods import Quarter, latest_due
from testkit.harness.events import eventually
from testkit.harness.fixtures import service_fixture

from contracts import (
    Country,
    ITL2Region,
    OpportunityAmended,
    OpportunityPublished,
    PlacementConfirmed,
    Scheme,
    Sector,
    UKRegion,
)

from .conftest import FAST, wait_logged

LAG = 7
# HR makes the releases here; the timer's own test turns it on.
service = service_fixture(build_app, MonitorSettings, scope="function", name="service",
                          open_data_timer_seconds=0, open_data_release_lag_days=LAG, **FAST)
timed = service_fixture(build_app, MonitorSettings, scope="function", name="timed",
                        open_data_timer_seconds=0.2, open_data_release_lag_days=LAG, **FAST)
FILES = ("datapackage.json", "placements.csv", "placements.json", "placements-itl1.csv")


def opportunity(staff: int, itl2: str | None = None, region: UKRegion | None = None,
                country: Country = Country.GB, **fields) -> OpportunityPublished:
    opp = uuid.uuid4()
    return example(OpportunityPublished, opportunity_id=opp, correlation_id=opp,
                   host_staff_count=staff, itl2=itl2, region=region, country=country,
                   occurred_at=datetime(2020, 1, 1, tzinfo=UTC), **fields)


def confirmed(opp: OpportunityPublished, at: datetime) -> PlacementConfirmed:
    app = uuid.uuid4()
    return example(PlacementConfirmed, application_id=app, correlation_id=app,
                   placement_id=uuid.uuid4(), opportunity_id=opp.opportunity_id,
                   scheme=opp.scheme, sector=opp.sector, country=opp.country,
                   region=opp.region, occurred_at=at)


async def files_of(svc, period: str) -> dict[str, str]:
    out = {}
    for name in FILES:  # no Authorization header: open data needs no sign-in
        r = await svc.client.get(f"/open-data/releases/{period}/{name}")
        assert r.status_code == 200, r.text
        out[name] = r.text
    return out


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_a_quarter_not_yet_released_is_404_naming_the_date_its_release_is_due(service):
    r = await service.client.get("/open-data/releases/2099-Q1/placements.csv")
    assert r.status_code == 404
    assert r.json()["detail"] == ("period: 2099-Q1 has not been released yet; its release is "
                                  f"due on {(datetime(2099, 4, 1) + timedelta(LAG)).date()}")
    past = await service.client.get("/open-data/releases/2001-Q1/datapackage.json")
    assert past.status_code == 404 and "the next release" in past.json()["detail"]
    bad = await service.client.get("/open-data/releases/2026-Q5/placements.csv")
    assert bad.status_code == 422 and "period" in bad.text


async def test_only_central_hr_may_make_a_release_and_only_of_an_ended_quarter(service):
    period = {"period": str(Quarter.containing(datetime.now(UTC).date()))}
    r = await service.client.post("/open-data/releases", json=period)
    assert r.status_code == 401
    r = await service.client.post("/open-data/releases", json=period,
                                  headers=service.auth("host-1", "host"))
    assert r.status_code == 403
    r = await service.client.post("/open-data/releases", json=period,
                                  headers=service.auth("hr-1", "hr"))
    assert r.status_code == 409 and "has not ended yet" in r.json()["detail"]


async def test_a_release_rounds_suppresses_shows_itl2_and_countries_and_never_changes(
        service, tmp_path):
    hr = service.auth("hr-1", "hr")
    second = latest_due(datetime.now(UTC), LAG)
    first = second.previous()
    in_first = first.ends_at - timedelta(days=10)
    manchester = opportunity(20, itl2=ITL2Region.GREATER_MANCHESTER, sector=Sector.DEFENCE)
    cardiff = opportunity(20, itl2=ITL2Region.EAST_WALES, sector=Sector.DEFENCE)
    paris = opportunity(8, country=Country.FR, scheme=Scheme.DIPLOMATIC,
                        sector=Sector.LIFE_SCIENCES, bcc_chamber_id="bcc-paris")
    events = [manchester, cardiff, paris,
              *(confirmed(manchester, in_first) for _ in range(8)),
              *(confirmed(cardiff, in_first) for _ in range(3)),
              *(confirmed(paris, in_first) for _ in range(6))]
    await service.publish(*events)
    await wait_logged(service, *events)

    made = await service.client.post("/open-data/releases", json={"period": str(first)},
                                     headers=hr)
    assert made.status_code == 201, made.text
    assert made.json()["made_by"] == "hr"
    before = await files_of(service, str(first))
    placements = rows(before["placements.csv"])
    assert [(r["area_code"], r["area_name"], r["itl1_name"], r["size_band"], r["placements"])
            for r in placements] == [
        ("FR", "France", "", "micro", "5"),
        ("TLD3", "Greater Manchester", "North West", "small", "10")]  # Wales' 3: not shown
    assert [(r["itl1_name"], r["placements"]) for r in rows(before["placements-itl1.csv"])] \
        == [("North West", "10")]
    assert json.loads(before["placements.json"])[1][4] == "FR"
    package = json.loads(before["datapackage.json"])
    assert package["licenses"][0]["title"] == "Open Government Licence v3.0"
    assert package["period"]["name"] == str(first)
    for name, text in before.items():
        (tmp_path / name).write_text(text)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    # Later events, some about the released quarter itself, and an amended opportunity.
    late = [*(confirmed(cardiff, in_first) for _ in range(3)),
            example(OpportunityAmended, **{**manchester.model_dump(
                exclude={"event_id", "event_type", "occurred_at"}), "host_staff_count": 900})]
    await service.publish(*late)
    await wait_logged(service, *late)
    again = await service.client.post("/open-data/releases", json={"period": str(first)},
                                      headers=hr)
    assert again.status_code == 409 and "never changed" in again.json()["detail"]
    assert await files_of(service, str(first)) == before  # byte for byte

    assert (await service.client.post("/open-data/releases", json={"period": str(second)},
                                      headers=hr)).status_code == 201
    later = rows((await files_of(service, str(second)))["placements.csv"])
    assert [(r["area_code"], r["size_band"], r["placements"]) for r in later] == [
        ("FR", "micro", "5"), ("TLD3", "small", "10"), ("TLL4", "small", "5")]
    listed = (await service.client.get("/open-data/releases")).json()
    assert [i["period"] for i in listed["items"]] == [str(second), str(first)]


async def test_the_database_refuses_to_change_or_delete_a_release(service):
    hr = service.auth("hr-1", "hr")
    period = str(latest_due(datetime.now(UTC), LAG))
    assert (await service.client.post("/open-data/releases", json={"period": period},
                                      headers=hr)).status_code == 201
    async with service.runtime.pool.acquire() as conn:
        for sql in ("UPDATE open_data_releases SET made_by = 'timer'",
                    "DELETE FROM open_data_releases"):
            with pytest.raises(asyncpg.RaiseError, match="frozen"):
                await conn.execute(sql)


async def test_the_timer_makes_the_latest_due_quarter_s_release_by_itself(timed):
    due = str(latest_due(datetime.now(UTC), LAG))

    async def released() -> bool:
        items = (await timed.client.get("/open-data/releases")).json()["items"]
        return bool(items) and items[0]["period"] == due and items[0]["made_by"] == "timer"

    await eventually(released, timeout=20)
    r = await timed.client.get(f"/open-data/releases/{due}/placements.csv")
    assert r.status_code == 200 and r.text.startswith("period,scheme,sector,area_type")
