"""Benchmark: one cohort round through the service vs the bare algorithm, same input, same run.

Service path: the matching app runs in-process on the real broker and a real database, seeded
with N waiting applications and M open opportunities; `POST /rounds` is timed end to end
(load, score, deferred acceptance, explanations, proposals and every MatchProposed /
NoMatchFound written to the outbox in one transaction). The outbox relay then publishes to
Kafka; the time until it has sent everything is reported separately. Bare path:
`rounds.run_round` on the same applicants and opportunities, no I/O, without the cyclic
garbage collector as the service's round runs.

    uv run python -m tests.perf.matching_round            # 5k x 500, 50k x 5k, NRMP
    uv run python -m tests.perf.matching_round 50000 5000

tests/perf (make bench) imports `bench_round` and `SIZES` from here.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from matching import rounds
from matching.app import build_app
from matching.cohort import without_cyclic_gc
from matching.config import MatchingSettings
from matching.convert import to_applicant, to_opportunity
from matching.domain import Rules
from testkit.harness.events import eventually
from testkit.harness.service import running_service

from contracts import Country, Grade, Sector, UKRegion

# (applicants, opportunities[, places in total]); without a total, about 0.83 places per
# applicant. NRMP's main match: ~45,000 applicants, ~6,400 programmes, ~41,500 positions.
SIZES = {"5k_x_500": (5_000, 500), "50k_x_5k": (50_000, 5_000),
         "nrmp": (45_000, 6_400, 41_500)}
SKILLS = [f"skill-{i:03d}" for i in range(300)]
SCHEMES = [("industry", "civil_servant", 0.6), ("government", "industry_professional", 0.3),
           ("diplomatic", "diplomat", 0.1)]
ABROAD = [c.value for c in Country if c.value != "GB"][:40]


def synthetic(n: int, m: int, seed: int = 7, places: int | None = None
              ) -> tuple[list[dict], list[dict]]:
    """Deterministic applications and opportunities as matching stores them (json mode);
    with `places`, capacities are rescaled so that they add up to exactly that."""
    rnd = random.Random(seed)
    today = datetime.now(UTC).date()
    apps = [_application(rnd, today) for _ in range(n)]
    opps = [_opportunity(rnd, today, n, m) for _ in range(m)]
    if places is not None:
        _rescale(rnd, opps, places)
    return apps, opps


def _rescale(rnd: random.Random, opps: list[dict], places: int) -> None:
    """Keep the skewed shape of the capacities, hit the total exactly (each keeps >= 1)."""
    if places < len(opps):
        raise ValueError(f"{places} places cannot fill {len(opps)} opportunities")
    scale = places / sum(o["capacity"] for o in opps)
    for o in opps:
        o["capacity"] = max(1, round(o["capacity"] * scale))
    gap = places - sum(o["capacity"] for o in opps)
    while gap:
        o = rnd.choice(opps)
        step = 1 if gap > 0 else -1
        if o["capacity"] + step >= 1:
            o["capacity"] += step
            gap -= step


def _scheme(rnd: random.Random) -> tuple[str, str]:
    scheme, kind, _ = rnd.choices(SCHEMES, weights=[w for *_, w in SCHEMES])[0]
    return scheme, kind


def _application(rnd: random.Random, today: date) -> dict[str, Any]:
    scheme, kind = _scheme(rnd)
    application_id = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    abroad = scheme == "diplomatic"
    return {
        "application_id": application_id, "applicant_id": f"bench-{application_id[:8]}",
        "scheme": scheme, "applicant_kind": kind, "organisation_id": f"org-{rnd.randrange(60)}",
        "grade": None if scheme == "government" else rnd.choice(list(Grade)).value,
        "clearance_held": rnd.choice(["none", "BPSS", "BPSS", "SC", "DV"]),
        "skills": rnd.sample(SKILLS, rnd.randint(3, 8)),
        "sectors": [s.value for s in rnd.sample(list(Sector), rnd.randint(1, 3))],
        "preferred_regions": [] if abroad else [r.value for r in rnd.sample(list(UKRegion), 2)],
        "preferred_countries": rnd.sample(ABROAD, 3) if abroad else ["GB"],
        "earliest_start": (today + timedelta(days=rnd.randint(20, 200))).isoformat(),
        "desired_length_months": rnd.randint(3, 12),
        "declared_interests": ([{"organisation_id": f"host-{rnd.randrange(2000)}",
                                 "kind": "procurement"}] if rnd.random() < 0.1 else []),
        "opportunity_id": None, "line_manager_id": "manager-1"}


def _opportunity(rnd: random.Random, today: date, n: int, m: int) -> dict[str, Any]:
    scheme, _ = _scheme(rnd)
    start = today + timedelta(days=rnd.randint(30, 240))
    abroad = scheme == "diplomatic"
    gmin = rnd.randrange(0, 8)
    return {
        "opportunity_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
        "host_org_id": f"host-{rnd.randrange(2000)}", "host_name": f"Host {rnd.randrange(10**6)}",
        "host_staff_count": rnd.randint(5, 240) if abroad else rnd.randint(5, 50_000),
        "host_sector": rnd.choice(list(Sector)).value,
        "country": rnd.choice(ABROAD) if abroad else "GB",
        "region": None if abroad else rnd.choice(list(UKRegion)).value,
        "bcc_chamber_id": "bcc-1" if abroad else None, "scheme": scheme,
        "title": "Bench placement", "description": None,
        "sector": rnd.choice(list(Sector)).value,
        "required_skills": rnd.sample(SKILLS, rnd.randint(1, 3)),
        "desired_skills": rnd.sample(SKILLS, rnd.randint(1, 4)),
        "start_window_from": start.isoformat(),
        "start_window_to": (start + timedelta(days=rnd.randint(30, 180))).isoformat(),
        "length_months": rnd.randint(3, 12),
        "grade_min": None if scheme == "government" else list(Grade)[gmin].value,
        "grade_max": None if scheme == "government" else list(Grade)[gmin + 2].value,
        "clearance_needed": rnd.choice(["none", "none", "BPSS", "SC", "DV"]),
        # about 0.8 places per applicant overall, as in a competitive national match
        "capacity": max(1, round(rnd.expovariate(1 / max(1.0, 0.83 * n / m)))),
        "closing_date": (start - timedelta(days=10)).isoformat()}


async def _seed(pool, apps: list[dict], opps: list[dict]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO opportunities (opportunity_id, host_org_id, scheme, capacity, data)"
            " SELECT (x->>'opportunity_id')::uuid, x->>'host_org_id', x->>'scheme',"
            " (x->>'capacity')::int, x FROM jsonb_array_elements($1::jsonb) x", opps)
        await conn.execute(
            "INSERT INTO applications (application_id, applicant_id, scheme, status,"
            " correlation_id, data) SELECT (x->>'application_id')::uuid, x->>'applicant_id',"
            " x->>'scheme', 'waiting', (x->>'application_id')::uuid, x"
            " FROM jsonb_array_elements($1::jsonb) x", apps)


def bare_round(apps: list[dict], opps: list[dict], settings: MatchingSettings,
               seed: int = 0, **ranked: Any) -> tuple:
    """`ranked`: the round's `choices` and `host_order`, when lists were submitted."""
    applicants = [to_applicant(a) for a in apps]
    opportunities = [to_opportunity(o, o["capacity"]) for o in opps]
    rules = Rules(today=datetime.now(UTC).date(), max_length_gap=settings.max_length_gap_months,
                  weights=settings.weights())
    # Under the service's conditions: its rounds run without the cyclic garbage collector,
    # and so does this, so the two times differ by the service's work alone (with the
    # collector on, this bench's own large heap made the algorithm 4-57% slower).
    with without_cyclic_gc():
        started = time.perf_counter()
        result = rounds.run_round(applicants, opportunities, rules, settings.round_top_k,
                                  seed=seed, **ranked)
        return time.perf_counter() - started, result


def bench_settings(bootstrap: str, database_url: str, topic_prefix: str) -> MatchingSettings:
    """Matching settings for a benchmark: no continuous matching, a fast relay, no rate limit."""
    return MatchingSettings(kafka_bootstrap_servers=bootstrap, database_url=database_url,
                            topic_prefix=topic_prefix, continuous_matching=False,
                            outbox_poll_seconds=0.05, outbox_batch_size=2000,
                            write_rate_per_minute=100_000, environment="test")


async def timed_round(svc, body: dict | None = None) -> tuple[dict[str, Any], float, float]:
    """`POST /rounds`, then wait for the relay to drain the outbox: the round's report, its
    seconds, and the seconds until every event it wrote was on Kafka."""
    started = time.perf_counter()
    response = await svc.client.post("/rounds", json=body, headers=svc.auth("bench", "hr"),
                                     timeout=600)
    service_seconds = time.perf_counter() - started
    assert response.status_code == 201, response.text

    async def drained() -> bool:
        return await svc.runtime.pool.fetchval(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0

    await eventually(drained, timeout=600, interval=0.2)
    return response.json()["report"], service_seconds, time.perf_counter() - started


async def bench_round(applicants: int, opportunities: int, *, bootstrap: str,
                      database_url: str, topic_prefix: str,
                      places: int | None = None) -> dict[str, Any]:
    apps, opps = synthetic(applicants, opportunities, places=places)
    settings = bench_settings(bootstrap, database_url, topic_prefix)
    async with running_service(build_app, settings, drop_db=False) as svc:
        await _seed(svc.runtime.pool, apps, opps)
        report, service_seconds, published_seconds = await timed_round(svc)
    # the same seed: ties are broken the same way
    bare = bare_round(apps, opps, settings, seed=report["seed"])
    return agreed(report, service_seconds, published_seconds, bare)


def agreed(report: dict[str, Any], service_seconds: float, published_seconds: float,
           bare: tuple[float, rounds.RoundResult]) -> dict[str, Any]:
    """Check the bare algorithm matched as many as the service did; both runs' times and
    what the round did."""
    algorithm_seconds, result = bare
    bare_matched = sum(1 for j in result.match if j >= 0)
    assert bare_matched == report["matched"], (bare_matched, report["matched"])
    return {"service_seconds": round(service_seconds, 3),
            "algorithm_seconds": round(algorithm_seconds, 3),
            "published_to_kafka_seconds": round(published_seconds, 3),
            "service_phases": report["seconds"], "places": report["places"],
            "matched": report["matched"], "unmatched": report["unmatched"]}


async def _standalone(sizes: dict[str, tuple[int, ...]]) -> None:
    from shared.kafka import ensure_topics
    from testkit.harness.kafka import kafka_bootstrap_servers
    from testkit.harness.postgres import create_database, drop_database
    bootstrap = kafka_bootstrap_servers()
    for label, (n, m, *places) in sizes.items():
        prefix = f"bench{uuid.uuid4().hex[:6]}."
        await ensure_topics(bootstrap, prefix)
        dsn = await create_database("matchbench")
        try:
            result = await bench_round(n, m, bootstrap=bootstrap, database_url=dsn,
                                       topic_prefix=prefix, places=places[0] if places else None)
        finally:
            await drop_database(dsn)
        print(json.dumps({"size": label, "applicants": n, "opportunities": m, **result}),
              flush=True)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]  # applicants opportunities [places]
    chosen = {"_x_".join(map(str, args)): tuple(args)} if len(args) >= 2 else SIZES
    asyncio.run(_standalone(chosen))
