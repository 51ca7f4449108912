"""`make run`'s demo seed, run against the e2e system as make run runs it (a subprocess): it
fills every sector and scheme, walks one journey per scheme to a confirmed placement, and a
second run creates nothing new."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import date

from tests.e2e.actors import HrActor, Users
from tests.e2e.system import ROOT, System

SECTORS = {"advanced_manufacturing", "clean_energy", "creative_industries",
           "digital_and_technologies", "financial_services", "defence", "life_sciences",
           "professional_and_business_services"}


async def run_seed(system: System) -> subprocess.CompletedProcess:
    urls = [f"--url={name}={proc.url}" for name, proc in system.services.items()]
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bps_local.demo", "seed",
                         *urls, "--advance-timeout", "60"],
        capture_output=True, text=True, timeout=180, cwd=ROOT)


async def everything(hr: HrActor) -> tuple[list, list]:
    opportunities = await hr.opportunities()
    applications = await hr.applications(limit=200)
    return opportunities, applications.items


async def test_the_demo_seed_fills_every_sector_and_scheme_and_a_second_run_adds_nothing(
        system: System, users: Users) -> None:
    hr = users.hr("demo-checker")
    first = await run_seed(system)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "try:" in first.stdout and "Bearer" in first.stdout

    opportunities, applications = await everything(hr)
    demo_opps = [o for o in opportunities if o.host_org_id.startswith(("org-", "dept-", "sme-"))]
    assert {o.data["sector"] for o in demo_opps} == SECTORS
    assert {o.data["scheme"] for o in demo_opps} == {"industry", "government", "diplomatic"}
    assert len({o.data.get("region") for o in demo_opps} - {None}) >= 5
    abroad = [o for o in demo_opps if o.data["country"] != "GB"]
    assert len({o.data["country"] for o in abroad}) >= 4
    assert all(o.data["bcc_chamber_id"] and o.data["host_staff_count"] < 250 for o in abroad)
    demo_apps = [a for a in applications if a.earliest_start < date(2090, 1, 1)]
    assert {a.scheme for a in demo_apps} == {"industry", "government", "diplomatic"}
    confirmed = [a for a in demo_apps if a.status == "confirmed"]
    assert {a.scheme for a in confirmed} == {"industry", "government", "diplomatic"}, \
        first.stdout

    again = await run_seed(system)
    assert again.returncode == 0, again.stderr + again.stdout
    opportunities_after, applications_after = await everything(hr)
    assert len(opportunities_after) == len(opportunities)
    assert len(applications_after) == len(applications)
