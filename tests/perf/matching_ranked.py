"""Benchmark: a round over real rank order lists, through the service vs the bare algorithm.

NRMP scale: 45,000 applicants with up to 10 choices each, 6,400 opportunities, 41,500 places,
every host ranking every applicant who ranked it. Applicants choose among their 30 best
feasible opportunities by score (as someone who read the explanations would), shuffled a
little, so lists overlap and compete as real ones do; hosts order their candidates at
random. Service path: `POST /rounds` on the in-process matching app over the real broker and
a real database seeded with those lists (load, lists, deferred acceptance, proposals, every
MatchProposed / NoMatchFound / RoundMatched in the outbox, one transaction); the relay's time
to publish it all to Kafka is reported separately. Bare path: `rounds.run_round` on the same
input with the same seed, in the same run, without the cyclic garbage collector as the
service's round runs.

    uv run python -m tests.perf.matching_ranked              # NRMP scale
    uv run python -m tests.perf.matching_ranked 5000 500 4000
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from matching.config import MatchingSettings
from matching.convert import to_applicant, to_opportunity
from matching.domain import Rules
from matching.preferences import preference_lists

from tests.perf.core import Context, Metric, Target, bench
from tests.perf.matching_round import (
    agreed,
    bare_round,
    bench_settings,
    synthetic,
    timed_round,
)

SIZES = {"nrmp": (45_000, 6_400, 41_500)}
QUICK = {"quick_500_x_50": (500, 50, 400)}
CHOICES, SHORTLIST, SEED = 10, 30, 20261129


def ranked_lists(apps: list[dict], opps: list[dict], settings: MatchingSettings,
                 rnd: random.Random) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each applicant's list (1..10 of its 30 best feasible, best-first with some noise) and
    each host's order of everyone who ranked it (random)."""
    rules = Rules(today=datetime.now(UTC).date(), max_length_gap=settings.max_length_gap_months,
                  weights=settings.weights())
    applicants = [to_applicant(a) for a in apps]
    opportunities = [to_opportunity(o, o["capacity"]) for o in opps]
    prefs, _ = preference_lists(applicants, opportunities, rules, SHORTLIST)
    choices = {}
    for a, shortlist in zip(applicants, prefs, strict=True):
        if not shortlist:
            continue
        picked = sorted(rnd.sample(range(len(shortlist)), min(len(shortlist),
                                                              rnd.randint(1, CHOICES))),
                        key=lambda p: p + rnd.uniform(-4, 4))
        choices[a.id] = [opportunities[shortlist[p]].id for p in picked]
    rankers: dict[str, list[str]] = {}
    for a, wanted in choices.items():
        for o in wanted:
            rankers.setdefault(o, []).append(a)
    hosts = {o: rnd.sample(who, len(who)) for o, who in rankers.items()}
    return choices, hosts


async def _seed_lists(pool, choices: dict[str, list[str]], hosts: dict[str, list[str]]) -> None:
    apps = list(choices)
    c_app = [a for a in apps for _ in choices[a]]
    c_opp = [o for a in apps for o in choices[a]]
    c_pos = [n + 1 for a in apps for n in range(len(choices[a]))]
    h_opp = [o for o, who in hosts.items() for _ in who]
    h_app = [a for who in hosts.values() for a in who]
    h_pos = [n + 1 for who in hosts.values() for n in range(len(who))]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO ranked_applications (application_id)"
                           " SELECT unnest($1::uuid[])", apps)
        await conn.execute("INSERT INTO choices (application_id, opportunity_id, position)"
                           " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])",
                           c_app, c_opp, c_pos)
        await conn.execute("INSERT INTO host_rankings (opportunity_id, application_id,"
                           " position, ranked_by) SELECT o, a, p, 'bench' FROM unnest($1::uuid[],"
                           " $2::uuid[], $3::int[]) AS u(o, a, p)", h_opp, h_app, h_pos)


async def bench_ranked_round(applicants: int, opportunities: int, places: int, *,
                             bootstrap: str, database_url: str,
                             topic_prefix: str) -> dict[str, Any]:
    from matching.app import build_app
    from testkit.harness.service import running_service

    from tests.perf.matching_round import _seed
    apps, opps = synthetic(applicants, opportunities, places=places)
    settings = bench_settings(bootstrap, database_url, topic_prefix)
    choices, hosts = ranked_lists(apps, opps, settings, random.Random(SEED))
    async with running_service(build_app, settings, drop_db=False) as svc:
        await _seed(svc.runtime.pool, apps, opps)
        await _seed_lists(svc.runtime.pool, choices, hosts)
        report, service_seconds, published_seconds = await timed_round(svc, {"seed": SEED})
    host_order = {o: {a: n + 1 for n, a in enumerate(who)} for o, who in hosts.items()}
    bare = bare_round(apps, opps, settings, seed=SEED, choices=choices, host_order=host_order)
    return {**agreed(report, service_seconds, published_seconds, bare),
            "ranked_lists": report["ranked_lists"],
            "choices": sum(len(v) for v in choices.values())}


@bench("matching.ranked_round", group="matching")
async def matching_ranked_round(ctx: Context) -> list[Metric]:
    """A round over real rank order lists at NRMP scale: service vs bare algorithm."""
    out = []
    for label, (n, m, places) in (QUICK if ctx.sizes.quick else SIZES).items():
        prefix = await ctx.topics(f"ranked{label}")
        dsn = await ctx.database("matching")
        result = await bench_ranked_round(n, m, places, bootstrap=ctx.bootstrap,
                                          database_url=dsn, topic_prefix=prefix)
        algo = f"matching.ranked.{label}.algorithm"
        out += [Metric(algo, result["algorithm_seconds"], "s",
                       detail={"applicants": n, "opportunities": m, "places": places}),
                Metric(f"matching.ranked.{label}.service", result["service_seconds"], "s",
                       baseline=algo, target=Target("<=", 3.0, "ratio"),
                       detail={k: v for k, v in result.items() if not k.endswith("_seconds")}),
                Metric(f"matching.ranked.{label}.service_absolute", result["service_seconds"],
                       "s", target=Target("<=", 10.0))]
    return out


async def _standalone(sizes: dict[str, tuple[int, int, int]]) -> None:
    from shared.kafka import ensure_topics
    from testkit.harness.kafka import kafka_bootstrap_servers
    from testkit.harness.postgres import create_database, drop_database
    bootstrap = kafka_bootstrap_servers()
    for label, (n, m, places) in sizes.items():
        prefix = f"bench{uuid.uuid4().hex[:6]}."
        await ensure_topics(bootstrap, prefix)
        dsn = await create_database("matchranked")
        try:
            result = await bench_ranked_round(n, m, places, bootstrap=bootstrap,
                                              database_url=dsn, topic_prefix=prefix)
        finally:
            await drop_database(dsn)
        print(json.dumps({"size": label, "applicants": n, "opportunities": m, **result}),
              flush=True)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]  # applicants opportunities places
    chosen = {"_x_".join(map(str, args)): tuple(args)} if len(args) == 3 else SIZES
    asyncio.run(_standalone(chosen))
