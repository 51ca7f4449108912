"""Bench users: civil servants applying to the industry scheme and the hosts they match with.

Everything goes through the public HTTP APIs (testkit) with dev tokens, as the users would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

from shared.auth import mint_dev_token
from testkit.models import ApplicationIn, OpportunityIn, ProfileIn

from testkit import Api, Caller, bodies

DEPARTMENT = "dept-bench"
LINE_MANAGER = "manager-bench"
SKILLS = ["trade policy", "negotiation", "data"]


def bearer(sub: str, *roles: str, org: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(sub, list(roles), org)}"}


def applicant_id(i: int, tag: str) -> str:
    return f"bench-{tag}-{i:06d}"


def _today():
    return datetime.now(UTC).date()


def profile(sub: str) -> ProfileIn:
    return bodies.profile("civil_servant", sub, DEPARTMENT, name=f"Bench {sub}",
                          email=f"{sub}@bench.example", line_manager_id=LINE_MANAGER,
                          skills=SKILLS, sectors=["clean_energy"],
                          preferred_regions=["North West"],
                          available_from=_today() + timedelta(days=20),
                          available_until=_today() + timedelta(days=400))


def application() -> ApplicationIn:
    return bodies.application("industry", _today() + timedelta(days=60), 6,
                              sectors=["clean_energy"], preferred_regions=["North West"])


def opportunity(capacity: int) -> OpportunityIn:
    """Fits every bench applicant: same sector, region, grade band, skills and dates."""
    today = _today()
    return bodies.opportunity(
        "industry", "Bench secondment", today + timedelta(days=40), today + timedelta(days=200),
        today + timedelta(days=30), host_name="Bench Host Ltd", host_staff_count=120,
        required_skills=["trade policy"], desired_skills=["data"], grade_min="HEO",
        grade_max="G6", capacity=capacity)


async def bounded(items: Iterable, fn: Callable[..., Awaitable], concurrency: int = 16) -> list:
    gate = asyncio.Semaphore(concurrency)

    async def one(item):
        async with gate:
            return await fn(item)

    return await asyncio.gather(*(one(i) for i in items))


async def create_profiles(base_url: str, subs: list[str]) -> None:
    async with Api({"applicant": base_url}, timeout=30.0) as api:
        await bounded(subs, lambda sub: Caller(api, sub, ("applicant",)).save_profile(
            profile(sub)))
