"""After a fault run, from each service's database, the topics and the mail folder: everything
accepted was accounted for and nothing happened twice (Jepsen's queue checker, in spirit).

`settle()` first waits until every outbox is drained, every consumer group has read every
topic to its end and every notification is delivered; `reconcile()` then counts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from contracts.topics import TOPICS
from testkit.harness.specs import dead_letter_groups, subscribed

from tests.e2e.driver import TERMINAL, Stats
from tests.e2e.system import SERVICES, System


def readers_of(topic: str) -> set[str]:
    """The services consuming `topic`, from their ServiceSpecs (the services' app.py), so the
    lag and dead-letter checks follow the services instead of a copy that drifts."""
    return {service for service, topics in subscribed().items() if topic in topics}


@dataclass
class Ledger:
    journeys: int = 0
    accepted: int = 0
    terminal: int = 0
    kills: int = 0
    broker_restarts: int = 0
    duplicates_delivered: int = 0  # redeliveries the inboxes turned away
    duplicates_injected: int = 0  # records the test published a second time on purpose
    injected_deliveries: int = 0  # ... times their readers, so the least duplicates_delivered
    topic_duplicates: int = 0  # records published twice by the services (a relay retry)
    duplicates_applied: int = 0  # must be 0
    lost: int = 0  # must be 0
    poison_injected: int = 0
    poison_dead_lettered: int = 0
    emails: int = 0
    # Emails cut off mid-send by a SIGKILL: the notification service records them as
    # technical-failure (NotificationFailed, shown to HR) and never sends them again, because
    # SMTP has no idempotency key and "never twice" wins over "always once". Accounted, not lost.
    emails_in_doubt: int = 0
    placements: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, kind: str, what: str) -> None:
        if kind == "lost":
            self.lost += 1
        elif kind == "twice":
            self.duplicates_applied += 1
        self.problems.append(f"{kind}: {what}")

    def report(self) -> str:
        counts = {k: v for k, v in self.__dict__.items() if k != "problems"}
        lines = ["reconciliation: " + ", ".join(f"{k}={v}" for k, v in counts.items())]
        lines += [f"  problem: {p}" for p in self.problems[:30]]
        if len(self.problems) > 30:
            lines.append(f"  ... and {len(self.problems) - 30} more")
        return "\n".join(lines)


# ------------------------------------------------------------------------------ settling
async def settle(system: System, within: float = 180.0) -> dict[str, int]:
    """Wait until nothing is in flight anywhere; returns what was still pending at the end."""
    deadline = time.monotonic() + within
    pending: dict[str, int] = {}
    while time.monotonic() < deadline:
        pending = {**await _unsent(system), **await consumer_lag(system)}
        pending = {k: v for k, v in pending.items() if v}
        if not pending:
            return {}
        await asyncio.sleep(1.0)
    return pending


async def _unsent(system: System) -> dict[str, int]:
    out = {}
    for name in SERVICES:
        conn = await asyncpg.connect(system.dsns[name])
        try:
            out[f"{name} outbox unsent"] = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            if name == "notification":
                out["notifications undelivered"] = await conn.fetchval(
                    "SELECT count(*) FROM messages WHERE status IN"
                    " ('created', 'sending', 'temporary-failure')")
        finally:
            await conn.close()
    return out


async def consumer_lag(system: System) -> dict[str, int]:
    """Records each consumer group has yet to read, per group."""
    groups: dict[str, list[str]] = {}
    for spec in TOPICS:
        for reader in readers_of(spec.name):
            groups.setdefault(system.prefix + reader, []).append(system.prefix + spec.name)
        for reader in dead_letter_groups():
            groups.setdefault(system.prefix + reader, []).append(system.prefix + spec.dlq)
    ends = await end_offsets(system.bootstrap, sorted({t for ts in groups.values() for t in ts}))
    admin = AIOKafkaAdminClient(bootstrap_servers=system.bootstrap)
    await admin.start()
    try:
        lag = {}
        for group, topics in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            lag[f"lag {group}"] = sum(
                end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0
                       else 0)
                for tp, end in ends.items() if tp.topic in topics)
        return lag
    finally:
        await admin.close()


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(
            consumer.partitions_for_topic(t) or await _partitions(consumer, t))]
        return await consumer.end_offsets(parts)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - no public way to ask
    return consumer.partitions_for_topic(topic) or set()


async def read_topic(bootstrap: str, topic: str) -> list:
    """Every record of a topic, from the beginning to its current end."""
    ends = await end_offsets(bootstrap, [topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    records = []
    try:
        consumer.assign(list(ends))
        await consumer.seek_to_beginning(*ends)
        async with asyncio.timeout(120):
            while await _behind(consumer, ends):
                batch = await consumer.getmany(timeout_ms=500, max_records=5000)
                records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


# ------------------------------------------------------------------------------ counting
async def reconcile(system: System, stats: Stats, poison: dict[str, list[bytes]],
                    ledger: Ledger) -> Ledger:
    ledger.journeys = stats.planned
    ledger.accepted = len(stats.accepted)
    db = {n: await asyncpg.connect(system.dsns[n]) for n in SERVICES}
    try:
        await _applications(db["applicant"], stats, ledger)
        await _placements(db["approval"], db["matching"], ledger)
        await _events(db, ledger)
        await _notifications(db["notification"], system.maildir, ledger)
        for conn in db.values():
            ledger.duplicates_delivered += await conn.fetchval(
                "SELECT coalesce(sum(duplicates), 0) FROM inbox")
    finally:
        for conn in db.values():
            await conn.close()
    await _topics(system, poison, ledger)
    return ledger


async def _applications(conn: asyncpg.Connection, stats: Stats, ledger: Ledger) -> None:
    rows = {str(r["id"]): r for r in await conn.fetch(
        "SELECT id, applicant_id, status FROM applications")}
    for app_id in stats.accepted:
        row = rows.get(app_id)
        if row is None:
            ledger.fail("lost", f"accepted application {app_id} is not in the applicant db")
        elif row["status"] not in TERMINAL:
            ledger.fail("lost", f"application {app_id} stopped at {row['status']}")
        else:
            ledger.terminal += 1
    per_applicant = Counter(r["applicant_id"] for r in rows.values())
    for applicant, n in per_applicant.items():
        if n > 1 and applicant in set(stats.accepted.values()):
            ledger.fail("twice", f"{applicant} has {n} applications from one submission")


async def _placements(approval: asyncpg.Connection, matching: asyncpg.Connection,
                      ledger: Ledger) -> None:
    rows = await approval.fetch(
        "SELECT c.application_id, c.opportunity_id FROM placements p JOIN cases c"
        " ON c.id = p.case_id")
    ledger.placements = len(rows)
    for app_id, n in Counter(r["application_id"] for r in rows).items():
        if n > 1:
            ledger.fail("twice", f"application {app_id} has {n} confirmed placements")
    capacity = {r["opportunity_id"]: r["capacity"] for r in await matching.fetch(
        "SELECT opportunity_id, capacity FROM opportunities")}
    for opp, n in Counter(r["opportunity_id"] for r in rows).items():
        if n > capacity.get(opp, 0):
            ledger.fail("twice", f"opportunity {opp}: {n} placements, capacity "
                                 f"{capacity.get(opp)}")
    confirmed = await matching.fetch(
        "SELECT application_id, count(*) AS n FROM proposals WHERE status = 'confirmed'"
        " GROUP BY 1 HAVING count(*) > 1")
    for row in confirmed:
        ledger.fail("twice", f"matching confirmed application {row['application_id']} "
                             f"{row['n']} times")


async def _events(db: dict[str, asyncpg.Connection], ledger: Ledger) -> None:
    """Every event any outbox published reached the monitor's log, and only once."""
    logged = Counter(r["event_id"] for r in await db["monitor"].fetch(
        "SELECT event_id FROM events"))
    for event_id, n in logged.items():
        if n > 1:
            ledger.fail("twice", f"monitor logged event {event_id} {n} times")
    for name in SERVICES:
        for row in await db[name].fetch("SELECT event_id, event_type FROM outbox"):
            if row["event_id"] not in logged:
                ledger.fail("lost", f"{name}'s {row['event_type']} {row['event_id']} never "
                                    "reached the monitor")


async def _notifications(conn: asyncpg.Connection, maildir: Path, ledger: Ledger) -> None:
    sent = await asyncio.to_thread(_message_ids, maildir)
    ledger.emails = sum(sent.values())
    for message_id, n in sent.items():
        if n > 1:
            ledger.fail("twice", f"email {message_id} sent {n} times")
    rows = await conn.fetch("SELECT id, status FROM messages WHERE channel = 'email'")
    for row in rows:
        if row["status"] == "delivered" and str(row["id"]) not in sent:
            ledger.fail("lost", f"email {row['id']} marked delivered but never received")
        elif row["status"] == "technical-failure" and ledger.kills:
            ledger.emails_in_doubt += 1
        elif row["status"] != "delivered":
            ledger.fail("lost", f"email {row['id']} is {row['status']}")
    # An in-app message never leaves our database, so no kill excuses one not delivered.
    for row in await conn.fetch("SELECT id, status FROM messages"
                                " WHERE channel = 'inbox' AND status <> 'delivered'"):
        ledger.fail("lost", f"in-app message {row['id']} is {row['status']}")


def _message_ids(maildir: Path) -> Counter:
    """How many times each notification's Message-ID (its row id) arrived."""
    parser = BytesHeaderParser()
    sent = Counter()
    for path in maildir.glob("*"):
        if path.is_file():
            with path.open("rb") as f:
                headers = parser.parse(f)
                message_id = headers.get("Message-ID", "").strip().strip("<>").split("@")[0]
                sent[headers.get("X-BPS-Notification-Id", message_id).strip()] += 1
    return sent


async def _topics(system: System, poison: dict[str, list[bytes]], ledger: Ledger) -> None:
    for spec in TOPICS:
        records = await read_topic(system.bootstrap, system.prefix + spec.name)
        ids = Counter()
        for r in records:
            try:
                ids[json.loads(r.value)["event_id"]] += 1
            except (ValueError, KeyError, TypeError):
                pass  # a poison message
        ledger.topic_duplicates += sum(n - 1 for n in ids.values())
        if spec is TOPICS[-1]:
            ledger.topic_duplicates -= ledger.duplicates_injected  # the test's own
        bad = poison.get(spec.name, [])
        if not bad:
            continue
        dead = await read_topic(system.bootstrap, system.prefix + spec.dlq)
        for key in bad:
            consumers = {dict(r.headers).get("x-dlq-consumer", b"").decode()
                         for r in dead if r.key == key}
            missing = readers_of(spec.name) - consumers
            if missing:
                ledger.fail("lost", f"poison {key!r} on {spec.name} not dead-lettered by "
                                    f"{sorted(missing)}")
            else:
                ledger.poison_dead_lettered += 1
