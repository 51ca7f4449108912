"""Bench users: civil servants applying to the industry scheme and the hosts they match with.

Everything goes through the public HTTP APIs with dev tokens, as the users would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

import httpx
from shared.auth import mint_dev_token

DEPARTMENT = "dept-bench"
LINE_MANAGER = "manager-bench"
SKILLS = ["trade policy", "negotiation", "data"]


def token(sub: str, *roles: str, org: str | None = None) -> str:
    return mint_dev_token(sub, list(roles), org)


def bearer(sub: str, *roles: str, org: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(sub, *roles, org=org)}"}


def applicant_id(i: int, tag: str) -> str:
    return f"bench-{tag}-{i:06d}"


def email_of(sub: str) -> str:
    return f"{sub}@bench.example"


def profile(sub: str) -> dict:
    today = datetime.now(UTC).date()
    return {"kind": "civil_servant", "name": f"Bench {sub}", "email": email_of(sub),
            "organisation_id": DEPARTMENT, "grade": "G7", "profession": "Policy",
            "line_manager_id": LINE_MANAGER, "skills": SKILLS, "sectors": ["clean_energy"],
            "preferred_regions": ["North West"],
            "available_from": (today + timedelta(days=20)).isoformat(),
            "available_until": (today + timedelta(days=400)).isoformat()}


def application() -> dict:
    start = datetime.now(UTC).date() + timedelta(days=60)
    return {"scheme": "industry", "sectors": ["clean_energy"],
            "preferred_regions": ["North West"], "earliest_start": start.isoformat(),
            "desired_length_months": 6}


def opportunity(capacity: int) -> dict:
    """Fits every bench applicant: same sector, region, grade band, skills and dates."""
    today = datetime.now(UTC).date()
    return {"host_name": "Bench Host Ltd", "host_staff_count": 120,
            "host_sector": "clean_energy", "country": "GB", "region": "North West",
            "scheme": "industry", "title": "Bench secondment", "sector": "clean_energy",
            "required_skills": ["trade policy"], "desired_skills": ["data"],
            "start_window_from": (today + timedelta(days=40)).isoformat(),
            "start_window_to": (today + timedelta(days=200)).isoformat(),
            "length_months": 6, "grade_min": "HEO", "grade_max": "G6",
            "clearance_needed": "none", "capacity": capacity,
            "closing_date": (today + timedelta(days=30)).isoformat()}


async def bounded(items: Iterable, fn: Callable[..., Awaitable], concurrency: int = 16) -> list:
    gate = asyncio.Semaphore(concurrency)

    async def one(item):
        async with gate:
            return await fn(item)

    return await asyncio.gather(*(one(i) for i in items))


async def create_profiles(base_url: str, subs: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        async def put(sub: str) -> None:
            r = await client.put("/applicants/me", json=profile(sub),
                                 headers=bearer(sub, "applicant"))
            assert r.status_code in (200, 201), r.text

        await bounded(subs, put)
