"""Helpers for the ranking tests: applicants who wait in cohort mode, their lists, rounds."""

from __future__ import annotations

from testkit.harness.events import eventually

from contracts import Sector

from .matching_support import application, post_opportunity, send


async def applications_known(svc, apps) -> None:
    """Wait for these applications themselves: a count of all would pass at once when earlier
    ones are already known."""
    ids = [app.application_id for app in apps]

    async def arrived() -> bool:
        return await svc.runtime.pool.fetchval(
            "SELECT count(*) FROM applications WHERE application_id = ANY($1::uuid[])",
            ids) == len(ids)
    await eventually(arrived)


async def waiting_applicants(svc, n: int, **fields) -> list:
    apps = [application(sectors=(Sector.CLEAN_ENERGY,), **fields) for _ in range(n)]
    await send(svc, *apps)
    await applications_known(svc, apps)
    return apps


async def opportunities(svc, org: str, n: int, **fields) -> list[str]:
    return [(await post_opportunity(svc, org, **fields))["opportunity_id"] for _ in range(n)]


def as_applicant(svc, app) -> dict[str, str]:
    return svc.auth(app.applicant_id, "applicant")


async def rank(svc, app, opportunity_ids: list[str]):
    return await svc.client.put(f"/applications/{app.application_id}/ranking",
                                json={"opportunity_ids": opportunity_ids},
                                headers=as_applicant(svc, app))


async def host_rank(svc, org: str, opportunity_id: str, order: list, excluded=()):
    return await svc.client.put(
        f"/opportunities/{opportunity_id}/ranking",
        json={"order": [str(a.application_id) for a in order],
              "excluded": [{"application_id": str(a.application_id), "reason": why}
                           for a, why in excluded]},
        headers=svc.auth(f"user-{org}", "host", org=org))


async def run_round(svc, **body) -> dict:
    response = await svc.client.post("/rounds", json=body, headers=svc.auth("boss", "hr"))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def proposals(svc) -> dict[str, str]:
    """application id -> opportunity id of its live proposal."""
    rows = await svc.runtime.pool.fetch(
        "SELECT application_id, opportunity_id FROM proposals WHERE status = 'live'")
    return {str(r["application_id"]): str(r["opportunity_id"]) for r in rows}
