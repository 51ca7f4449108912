"""Whole journeys through the running system (tests.e2e.system: five service processes and
the dev SMTP server on a private topic namespace and fresh databases).

A journey: a civil servant applies (`POST /applications`, 201) -> matching proposes
(`MatchProposed` on the topic) -> automated approvers decide every stage over HTTP (line
manager, departmental HR, ethics, host) -> the placement is confirmed -> the applicant's
"Your placement is confirmed" email is in the maildir. Latencies start when the 201 arrives;
the email's time is the SMTP server's own receipt time (in its file name), the
MatchProposed's is when our consumer reads it.

Saturation: N journeys submitted back to back; journeys/s = N / (first submit -> last email).
Then open-loop arrivals at 10% and 50% of that rate for `journey_seconds` each.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default as email_policy
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from testkit import Api, Caller
from tests.e2e.driver import ApproverDesk, OpenStage
from tests.e2e.system import System, start_system, stop_system
from tests.perf import latency
from tests.perf.breakdown import EventLog, breakdown_metrics, lean_journey
from tests.perf.core import Context, Metric, Target, bench
from tests.perf.people import applicant_id, application, bounded, create_profiles, opportunity
from tests.perf.slots import MEMORY_LIMIT_MB, _rss_mb

CONFIRMED_SUBJECT = "Your placement is confirmed"
HOST_ORG = "host-bench"
PLACES_PER_OPPORTUNITY = 1000
MAILDIR_SCAN_SECONDS = 0.25
# Bench approvers are a few robots deciding for thousands of applicants, and each stage's
# approver gets an email per journey: per-caller write and per-recipient email limits meant
# for people would throttle them, so they are lifted here (and only here).
BENCH_ENV = {"APPROVAL_WRITE_RATE_PER_MINUTE": "10000000",
             "MATCHING_WRITE_RATE_PER_MINUTE": "10000000",
             "APPLICANT_LOG_LEVEL": "WARNING", "MATCHING_LOG_LEVEL": "WARNING",
             "APPROVAL_LOG_LEVEL": "WARNING", "NOTIFICATION_LOG_LEVEL": "WARNING",
             "MONITOR_LOG_LEVEL": "WARNING",
             "NOTIFICATION_RATE_PER_MINUTE": "10000000", "NOTIFICATION_RATE_BURST": "100000"}


@dataclass
class Journey:
    sub: str
    accepted: float = 0.0  # wall clock when the 201 arrived
    matched: float | None = None
    emailed: float | None = None
    application_id: str | None = None


@dataclass
class Tracker:
    """What the watchers saw, by applicant; `done` fires when `expected` emails are in."""

    journeys: dict[str, Journey] = field(default_factory=dict)
    by_application: dict[str, Journey] = field(default_factory=dict)
    early_matches: dict[str, float] = field(default_factory=dict)  # seen before the 201
    no_match: int = 0
    expected: int = 0
    emailed: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def accepted(self, sub: str, application_id: str, at: float) -> None:
        j = self.journeys[sub]
        j.accepted = at
        j.application_id = application_id
        self.by_application[application_id] = j
        if application_id in self.early_matches:
            j.matched = self.early_matches.pop(application_id)

    def matched(self, application_id: str, at: float) -> None:
        j = self.by_application.get(application_id)
        if j is None:
            self.early_matches[application_id] = at
        elif j.matched is None:
            j.matched = at

    def email(self, sub: str, at: float) -> None:
        j = self.journeys.get(sub)
        if j is not None and j.emailed is None:
            j.emailed = at
            self.emailed += 1
            if self.emailed >= self.expected:
                self.done.set()


class Robots:
    """Watches `matches` and `approvals`: times each MatchProposed, and hands every
    ApprovalStageOpened to the approver desk (the e2e driver's robots, refusing nothing), which
    decides that stage at once, straight from the event: no listing, no polling."""

    def __init__(self, system: System, tracker: Tracker, api: Api) -> None:
        self.system = system
        self.tracker = tracker
        self.decisions: Counter = Counter()
        self.desk = ApproverDesk(api, refuse_percent=0, decisions=self.decisions)

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            self.system.prefix + "matches", self.system.prefix + "approvals",
            bootstrap_servers=self.system.bootstrap, auto_offset_reset="earliest",
            enable_auto_commit=False, group_id=None, fetch_max_wait_ms=20)
        await consumer.start()
        desk = asyncio.create_task(self.desk.run(stop))
        try:
            while not desk.done():
                batches = await consumer.getmany(timeout_ms=100)
                now = time.time()
                for records in batches.values():
                    for record in records:
                        self._on(json.loads(record.value), now)
            desk.result()  # a dead desk stalls every journey: say why
        finally:
            desk.cancel()
            await consumer.stop()

    def _on(self, event: dict, now: float) -> None:
        kind = event["event_type"]
        if kind == "MatchProposed":
            self.tracker.matched(event["application_id"], now)
        elif kind == "NoMatchFound":
            self.tracker.no_match += 1
        elif kind == "ApprovalStageOpened":
            stage = OpenStage.of_event(event)
            if stage is None:
                self.desk.wake()  # no stage id: the desk lists the open stages
            else:
                self.desk.offer(stage)


async def watch_maildir(maildir: Path, tracker: Tracker) -> None:
    """New .eml files -> confirmation emails by applicant; time = the server's receipt time."""
    seen: set[str] = set()
    parser = BytesHeaderParser(policy=email_policy)
    while True:
        names = await asyncio.to_thread(_eml_names, maildir)
        for name in names - seen:
            seen.add(name)
            head = parser.parsebytes((maildir / name).read_bytes())
            if head["Subject"] == CONFIRMED_SUBJECT:
                to = str(head["X-Envelope-To"]).split("@")[0]
                tracker.email(to, int(name.split("-")[0]) / 1e9)
        # The email's time is in its name, so a slower look costs no accuracy; listing a
        # maildir of thousands 50 times a second took CPU from the services being measured.
        await asyncio.sleep(MAILDIR_SCAN_SECONDS)


def _eml_names(maildir: Path) -> set[str]:
    if not maildir.exists():
        return set()
    return {e.name for e in os.scandir(maildir) if e.name.endswith(".eml")}


class Driver:
    def __init__(self, system: System, tracker: Tracker, api: Api) -> None:
        self.system = system
        self.tracker = tracker
        self.api = api
        self.body = application()
        self.batch = 0

    async def people(self, count: int) -> list[str]:
        self.batch += 1
        subs = [applicant_id(i, f"j{self.batch}") for i in range(count)]
        await create_profiles(self.system.url("applicant"), subs)
        for sub in subs:
            self.tracker.journeys[sub] = Journey(sub)
        return subs

    async def apply(self, sub: str) -> None:
        made = await Caller(self.api, sub, ("applicant",)).apply(self.body)
        self.tracker.accepted(sub, str(made.id), time.time())

    async def saturate(self, subs: list[str], concurrency: int = 16) -> None:
        await bounded(subs, self.apply, concurrency)

    async def paced(self, subs: list[str], per_second: float) -> None:
        """Open loop: the i-th application starts at i / rate, whatever the others are doing."""
        started = time.perf_counter()
        tasks = []
        for i, sub in enumerate(subs):
            delay = started + i / per_second - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.apply(sub)))
        await asyncio.gather(*tasks)


async def wait_emails(tracker: Tracker, subs: list[str], within: float) -> None:
    tracker.expected = tracker.emailed + sum(1 for s in subs if tracker.journeys[s].emailed
                                             is None)
    if tracker.emailed >= tracker.expected:
        return
    tracker.done.clear()
    try:
        await asyncio.wait_for(tracker.done.wait(), within)
    except TimeoutError:
        missing = [s for s in subs if tracker.journeys[s].emailed is None]
        raise TimeoutError(f"{len(missing)} of {len(subs)} journeys had no confirmation email "
                           f"within {within:.0f}s (NoMatchFound: {tracker.no_match})") from None


async def publish_places(api: Api, places: int) -> None:
    host = Caller(api, "host-admin", ("host",), HOST_ORG)
    for _ in range(-(-places // PLACES_PER_OPPORTUNITY)):
        await host.publish(opportunity(PLACES_PER_OPPORTUNITY))


def histograms(tracker: Tracker, subs: list[str]) -> tuple:
    to_match, to_email = latency.histogram(), latency.histogram()
    for s in subs:
        j = tracker.journeys[s]
        latency.record_seconds(to_match, j.matched - j.accepted)
        latency.record_seconds(to_email, j.emailed - j.accepted)
    return to_match, to_email


async def one_phase(driver: Driver, tracker: Tracker, count: int, per_second: float | None,
                    within: float) -> tuple[list[str], float]:
    subs = await driver.people(count)
    started = time.time()
    if per_second is None:
        await driver.saturate(subs)
    else:
        await driver.paced(subs, per_second)
    await wait_emails(tracker, subs, within)
    last = max(tracker.journeys[s].emailed for s in subs)
    return subs, last - started


@bench("journeys", group="journeys")
async def journeys(ctx: Context) -> list[Metric]:
    """Whole journeys/s at saturation, and end-to-end latency at 10% / 50% of that rate."""
    sizes = ctx.sizes
    system = await start_system(ctx.out_dir / f"journeys-{ctx.run_id}", extra_env=BENCH_ENV)
    tracker = Tracker()
    api = Api({name: proc.url for name, proc in system.services.items()}, timeout=30.0)
    robots = Robots(system, tracker, api)
    stop = asyncio.Event()
    events = EventLog()
    watchers = [asyncio.create_task(robots.run(stop)),
                asyncio.create_task(watch_maildir(system.maildir, tracker)),
                asyncio.create_task(events.run(system.bootstrap, system.prefix))]
    try:
        driver = Driver(system, tracker, api)
        await publish_places(api, 20 * sizes.journeys)
        await one_phase(driver, tracker, 10, None, within=300)  # warm-up: leaders, pools
        subs, seconds = await one_phase(driver, tracker, sizes.journeys, None,
                                        within=300 + 5 * sizes.journeys)
        saturation = len(subs) / seconds
        out = [Metric("journeys.saturation", saturation, "journeys/s",
                      detail={"journeys": len(subs), "seconds": seconds,
                              "decisions": dict(robots.decisions)})]
        for share in (10, 50):
            rate = saturation * share / 100
            count = max(sizes.journey_samples, round(rate * sizes.journey_seconds))
            subs, _ = await one_phase(driver, tracker, count, rate, within=300 + 5 * count)
            to_match, to_email = histograms(tracker, subs)
            out += latency.percentile_metrics(f"journeys.to_match_at_{share}pct", to_match,
                                              100.0 if share == 10 else None,
                                              rate_per_s=rate)
            out += latency.percentile_metrics(f"journeys.to_email_at_{share}pct", to_email,
                                              250.0 if share == 10 else None,
                                              rate_per_s=rate)
            if share == 10:
                out += email_breakdown(ctx, tracker, events, subs, out)
        out += service_memory(system)
        return out
    except TimeoutError as exc:
        if watchers[0].done() and not watchers[0].cancelled() and watchers[0].exception():
            raise TimeoutError(f"{exc}; the approver robots died: "
                               f"{watchers[0].exception()!r}") from exc
        raise
    finally:
        stop.set()
        for t in watchers:
            t.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        await api.aclose()
        await stop_system(system)


def email_breakdown(ctx: Context, tracker: Tracker, events: EventLog, subs: list[str],
                    out: list[Metric]) -> list[Metric]:
    """Per-hop segments of the confirmation email, and the lean journey the email's p50 is
    compared with."""
    parts = breakdown_metrics("journeys.email_breakdown_at_10pct", [
        (tracker.journeys[s].accepted, tracker.journeys[s].emailed,
         events.by_journey[tracker.journeys[s].application_id]) for s in subs])
    lean = lean_journey(parts, ctx.baseline("lean.hop_latency.p50"))
    for m in out:
        if lean and m.name == "journeys.to_email_at_10pct.p50":
            m.baseline = "lean.journey_email"
    return parts + lean


def service_memory(system: System) -> list[Metric]:
    """Each service's resident memory after the journey runs: the steady state under load."""
    out = []
    for name, proc in system.services.items():
        rss, peak = _rss_mb(proc.proc.pid)
        out.append(Metric(f"memory.{name}.after_journeys", rss, "MB",
                          target=Target("<=", MEMORY_LIMIT_MB),
                          detail={"peak_mb": peak, "state": "after the journey runs"}))
    return out
