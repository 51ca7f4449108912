#!/usr/bin/env python3
"""Demo data for a running system, through the public HTTP APIs only (as its users would).

`seed` publishes opportunities from hosts in all eight high-growth sectors, in UK regions
(ITL1) and, for the diplomatic scheme, SMEs abroad put forward by British Chambers of Commerce;
creates applicants of all three kinds and their applications; then walks one application per
scheme through its approval chain to a confirmed placement, acting as each approver. It prints
what it made and tokens and URLs to try.

Running it again creates nothing new: opportunities are looked up by title, applicants who
already applied are left alone, and only stages still open are decided.

`make run` calls `python -m bps_local.demo seed --base-port 8101` once the services are
ready. Against other addresses: `--url applicant=http://127.0.0.1:9001` (repeatable).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
from shared.auth import mint_dev_token
from shared.settings import DEV_JWT_SECRET
from testkit.bodies import SCHEME_OF
from testkit.http import SERVICES
from testkit.models import (
    ApplicationOut,
    DecisionIn,
    OpportunityIn,
    OpportunityOut,
    ProfileIn,
    StageOut,
)

from testkit import Api, ApiError, Caller, approver_for, bodies, urls_from_base_port, wait_for

SECRET = os.environ.get("BPS_JWT_DEV_SECRET", DEV_JWT_SECRET)
TODAY = date.today()
# Demo placements last 6-12 months, as real ones mostly do (the e2e journeys use 1-2 months,
# so demo data seeded into a test system never meets them).


@dataclass(frozen=True)
class Host:
    org: str
    name: str
    scheme: str
    sector: str
    staff: int
    country: str = "GB"
    region: str | None = None
    chamber: str | None = None
    title: str = ""
    skills: tuple[str, ...] = ()
    months: int = 6
    clearance: str = "none"
    capacity: int = 2


HOSTS = (
    # Industry scheme: businesses across the UK take civil servants.
    Host("org-northwind", "Northwind Offshore Ltd", "industry", "clean_energy", 1200,
         region="North East", title="Offshore wind supply-chain policy",
         skills=("policy", "economics")),
    Host("org-clyde-fab", "Clyde Fabrication plc", "industry", "advanced_manufacturing", 800,
         region="Scotland", title="Advanced manufacturing skills strategy",
         skills=("policy", "project management"), months=9),
    Host("org-mersey-media", "Mersey Media Group", "industry", "creative_industries", 300,
         region="North West", title="Creative clusters partnership lead",
         skills=("stakeholder management",)),
    Host("org-cardiff-cyber", "Cardiff Cyber Ltd", "industry", "digital_and_technologies", 150,
         region="Wales", title="Cyber resilience secondment", skills=("data", "policy"),
         clearance="BPSS"),
    Host("org-city-fin", "City Fintech Partners", "industry", "financial_services", 2000,
         region="London", title="Open finance regulation secondment",
         skills=("regulation", "economics"), months=12),
    Host("org-brum-defence", "Midlands Defence Systems", "industry", "defence", 5000,
         region="West Midlands", title="Defence exports policy", skills=("policy",),
         clearance="SC"),
    Host("org-cam-bio", "Cambridge BioLabs", "industry", "life_sciences", 400,
         region="East of England", title="Clinical trials regulation",
         skills=("regulation", "science")),
    Host("org-leeds-law", "Leeds Professional Services LLP", "industry",
         "professional_and_business_services", 900, region="Yorkshire and The Humber",
         title="Professional services export growth", skills=("trade policy",)),
    # Government scheme: departments take industry professionals.
    Host("dept-dsit", "Department for Science, Innovation and Technology", "government",
         "digital_and_technologies", 3000, region="London", title="AI adoption adviser",
         skills=("data engineering", "machine learning"), months=12, clearance="BPSS"),
    Host("dept-desnz", "Department for Energy Security and Net Zero", "government",
         "clean_energy", 4000, region="London", title="Grid connections expert",
         skills=("energy markets",), months=9, clearance="BPSS"),
    Host("dept-dbt", "Department for Business and Trade", "government",
         "professional_and_business_services", 5000, region="North West",
         title="Investment promotion specialist", skills=("investment",), clearance="BPSS"),
    Host("dept-mod", "Ministry of Defence", "government", "defence", 50000,
         region="South West", title="Defence supply-chain adviser",
         skills=("procurement",), months=12, clearance="SC"),
    # Diplomatic scheme: SMEs abroad, each put forward by a British Chamber of Commerce.
    Host("sme-paris-atelier", "Atelier Lumière SARL", "diplomatic", "creative_industries", 35,
         country="FR", chamber="bcc-france", title="UK market entry for a design studio",
         skills=("market access",)),
    Host("sme-munich-robotik", "Robotik Werk GmbH", "diplomatic", "advanced_manufacturing", 120,
         country="DE", chamber="bcc-germany", title="Export controls and UK partnerships",
         skills=("trade policy",), months=6),
    Host("sme-austin-data", "Lone Star Data LLC", "diplomatic", "digital_and_technologies", 80,
         country="US", chamber="bcc-usa", title="Data adequacy and UK expansion",
         skills=("market access", "regulation")),
    Host("sme-osaka-pharma", "Osaka Bio KK", "diplomatic", "life_sciences", 60, country="JP",
         chamber="bcc-japan", title="Life sciences regulatory bridge", skills=("regulation",),
         months=9),
    Host("sme-pune-solar", "Pune Solar Pvt Ltd", "diplomatic", "clean_energy", 200,
         country="IN", chamber="bcc-india", title="Clean energy trade mission support",
         skills=("market access",)),
    Host("sme-nairobi-pay", "Nairobi Pay Ltd", "diplomatic", "financial_services", 45,
         country="KE", chamber="bcc-kenya", title="Mobile payments and UK fintech links",
         skills=("financial regulation",), months=6),
)


@dataclass(frozen=True)
class Person:
    sub: str
    name: str
    kind: str
    org: str
    sectors: tuple[str, ...]
    skills: tuple[str, ...]
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    grade: str | None = None
    manager: str | None = None
    clearance: str = "none"
    months: int = 6


PEOPLE = (
    Person("asha.patel", "Asha Patel", "civil_servant", "dept-dbt", ("clean_energy",),
           ("policy", "economics"), regions=("North East", "Scotland"), grade="G7",
           manager="manager.dbt"),
    Person("tom.evans", "Tom Evans", "civil_servant", "dept-dcms", ("creative_industries",),
           ("stakeholder management",), regions=("North West",), grade="SEO",
           manager="manager.dcms"),
    Person("priya.shah", "Priya Shah", "civil_servant", "dept-hmt", ("financial_services",),
           ("regulation", "economics"), regions=("London",), grade="G6",
           manager="manager.hmt", months=12),
    Person("gareth.jones", "Gareth Jones", "civil_servant", "dept-wales-office",
           ("digital_and_technologies",), ("data", "policy"), regions=("Wales",), grade="HEO",
           manager="manager.wales", clearance="BPSS"),
    Person("ben.okafor", "Ben Okafor", "industry_professional", "emp-acme-data",
           ("digital_and_technologies",), ("data engineering", "machine learning"),
           regions=("London",), clearance="BPSS", months=12),
    Person("sara.lind", "Sara Lind", "industry_professional", "emp-gridco", ("clean_energy",),
           ("energy markets",), regions=("London",), clearance="BPSS", months=9),
    Person("raj.mehta", "Raj Mehta", "industry_professional", "emp-investco",
           ("professional_and_business_services",), ("investment",), regions=("North West",),
           clearance="BPSS"),
    Person("claire.dubois", "Claire Dubois", "diplomat", "post-paris", ("creative_industries",),
           ("market access",), countries=("FR", "BE"), grade="SEO"),
    Person("james.okoro", "James Okoro", "diplomat", "post-nairobi", ("financial_services",),
           ("financial regulation",), countries=("KE",), grade="G7"),
    Person("mei.tanaka", "Mei Tanaka", "diplomat", "post-tokyo", ("life_sciences",),
           ("regulation",), countries=("JP",), grade="HEO", months=9),
)
# One application per scheme is walked through its whole approval chain.
ADVANCE = ("asha.patel", "ben.okafor", "claire.dubois")


class Demo:
    def __init__(self, api: Api, timeout: float) -> None:
        self.api = api
        self.timeout = timeout
        self.hr = Caller(api, "demo.hr", ("hr",))

    # --- hosts and opportunities -----------------------------------------------------------

    async def opportunities(self) -> list[OpportunityOut]:
        made = []
        for host in HOSTS:
            caller = Caller(self.api, f"host.{host.org}", ("host",), host.org)
            same = [o for o in await caller.opportunities() if o.data["title"] == host.title]
            made.append(same[0] if same else await caller.publish(opportunity_body(host)))
        return made

    # --- applicants and applications -------------------------------------------------------

    async def applications(self) -> list[ApplicationOut]:
        made = []
        for person in PEOPLE:
            caller = Caller(self.api, person.sub, ("applicant",))
            await caller.save_profile(profile_body(person))
            mine = (await caller.applications()).items
            made.append(mine[0] if mine else await caller.apply(
                bodies.application(SCHEME_OF[person.kind], TODAY + timedelta(days=90),
                                   person.months), key=f"demo-seed-{person.sub}"))
        return made

    # --- approvals -------------------------------------------------------------------------

    async def advance(self, application: ApplicationOut) -> str:
        """Acts as each approver in turn until the application is confirmed (or time is up)."""
        async def settled() -> str | None:
            status = (await self.hr.application(application.id)).status
            if status in ("confirmed", "started", "ended", "withdrawn", "rejected"):
                return status
            for stage in await self.hr.stages("open"):
                if stage.application_id == application.id:
                    await self.decide(stage)
            return None
        try:
            return await wait_for(settled, "a confirmed placement", self.timeout, interval=0.3)
        except AssertionError:
            return "still in approval (the seed stopped waiting)"

    async def decide(self, stage: StageOut) -> None:
        mitigation = ("no dealings with the host in the last two years"
                      if stage.stage == "conflict_of_interest" else None)
        approver = approver_for(self.api, stage, f"demo.{stage.approver_role}")
        await approver.decide(stage.id, DecisionIn(decision="grant", note="seeded by the demo",
                                                   mitigation=mitigation))


def token_for(sub: str, role: str, org: str | None = None) -> str:
    return mint_dev_token(sub, [role], org, secret=SECRET)


def opportunity_body(host: Host) -> OpportunityIn:
    return bodies.opportunity(
        host.scheme, host.title, TODAY + timedelta(days=60), TODAY + timedelta(days=240),
        TODAY + timedelta(days=45), host_name=host.name, host_staff_count=host.staff,
        sector=host.sector, country=host.country, region=host.region,
        bcc_chamber_id=host.chamber, description=f"{host.name}: {host.title.lower()}.",
        required_skills=list(host.skills[:1]), desired_skills=list(host.skills[1:]),
        length_months=host.months, clearance_needed=host.clearance, capacity=host.capacity)


def profile_body(p: Person) -> ProfileIn:
    by_kind = {"civil_servant": {"profession": "Policy", "line_manager_id": p.manager},
               "industry_professional": {"role": "Senior specialist"}}.get(p.kind, {})
    return bodies.profile(
        p.kind, p.sub, p.org, name=p.name, email=f"{p.sub}@demo.example", grade=p.grade,
        skills=list(p.skills), sectors=list(p.sectors), preferred_regions=list(p.regions),
        preferred_countries=list(p.countries), clearance_held=p.clearance, **by_kind)


async def report(demo: Demo, opps: list[OpportunityOut], apps: list[ApplicationOut],
                 advanced: dict[str, str]) -> None:
    print(f"demo: {len(opps)} opportunities from {len(HOSTS)} hosts in "
          f"{len({h.sector for h in HOSTS})} sectors, "
          f"{len({h.region for h in HOSTS if h.region})} UK regions and "
          f"{len({h.country for h in HOSTS} - {'GB'})} countries abroad")
    for host, opp in zip(HOSTS, opps, strict=True):
        where = host.region or f"{host.country} ({host.chamber})"
        print(f"  {host.scheme:<10} {host.sector:<36} {where:<26} {host.name}"
              f"  [{opp.opportunity_id}]")
    print(f"demo: {len(apps)} applicants with an application")
    hr = demo.hr.token
    for person, app in zip(PEOPLE, apps, strict=True):
        now = await demo.hr.application(app.id)
        note = f" -> {advanced[person.sub]}" if person.sub in advanced else ""
        print(f"  {person.kind:<22} {person.name:<14} {now.scheme:<10} "
              f"{now.status:<12} [{app.id}]{note}")
    print("\ntry:")
    urls = demo.api.urls
    print("  HR monitor page   http://127.0.0.1:8106/hr/monitor  (sign in as central HR)")
    print(f"  KPIs              curl -H 'Authorization: Bearer {hr}' "
          f"{urls['monitor']}/kpis")
    tom = token_for("tom.evans", "applicant")
    print(f"  an applicant      curl -H 'Authorization: Bearer {tom}' "
          f"{urls['applicant']}/applications")
    ethics = token_for("demo.ethics", "ethics")
    print(f"  ethics approver   curl -H 'Authorization: Bearer {ethics}' "
          f"'{urls['approval']}/stages?status=open'")
    host = token_for("host.org-northwind", "host", "org-northwind")
    print(f"  a host's inbox    curl -H 'Authorization: Bearer {host}' "
          f"{urls['notification']}/inbox")
    print("  other tokens      make token ROLE=<role> SUB=<user> [ORG=<org>]")


async def seed(urls: dict[str, str], advance_timeout: float) -> int:
    async with Api(urls, secret=SECRET) as api:
        demo = Demo(api, advance_timeout)
        opps = await demo.opportunities()
        apps = await demo.applications()
        by_sub = {p.sub: a for p, a in zip(PEOPLE, apps, strict=True)}
        advanced = ({sub: await demo.advance(by_sub[sub]) for sub in ADVANCE}
                    if advance_timeout else {})
        await report(demo, opps, apps, advanced)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("seed", help="seed demo data into a running system",
                            description="Seed demo data into a running system over HTTP; "
                                        "safe to run again.")
    s.add_argument("--base-port", type=int, default=8101,
                   help="port of the applicant service; the other four follow in the order "
                        f"{', '.join(SERVICES)} (default 8101)")
    s.add_argument("--url", action="append", default=[], metavar="SERVICE=URL",
                   help="a service's base URL, overriding --base-port (repeatable)")
    s.add_argument("--advance-timeout", type=float, default=60.0,
                   help="seconds to spend walking one application per scheme to a confirmed "
                        "placement; 0 skips it (default 60)")
    return parser.parse_args(argv)


def service_urls(args: argparse.Namespace) -> dict[str, str]:
    urls = urls_from_base_port(args.base_port)
    for given in args.url:
        name, sep, url = given.partition("=")
        if not sep or name not in SERVICES:
            raise SystemExit(f"--url wants SERVICE=URL with SERVICE one of {SERVICES}, "
                             f"got {given!r}")
        urls[name] = url.rstrip("/")
    return urls


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(seed(service_urls(args), args.advance_timeout))
    except (ApiError, httpx.HTTPError) as exc:
        print(f"demo seed failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
