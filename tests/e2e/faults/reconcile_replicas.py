"""What only a replica run can get wrong, counted from the databases, the topics and the
replicas' logs after the general reconciliation (reconcile.py):

- one reminder per SLA timer, though every approval replica polls the same timers, and the
  timers were in fact fired by more than one replica;
- each pair of rounds started at once on two matching replicas is consistent: the service
  serialises rounds (and everything else that takes places) on one advisory lock, so both
  rounds result and the second sees only what the first left: no application is proposed by
  both, and each round's report says what it wrote;
- one notification per reminder and recipient.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import asyncpg

from tests.e2e.faults.reconcile import read_topic
from tests.e2e.faults.replicas import Counts, replica_set
from tests.e2e.faults.scenario import Run


async def reconcile_replicas(run: Run, counts: Counts) -> None:
    system = run.system
    approval = await asyncpg.connect(system.dsns["approval"])
    matching = await asyncpg.connect(system.dsns["matching"])
    notification = await asyncpg.connect(system.dsns["notification"])
    try:
        await _reminders(run, approval, counts)
        await _rounds(matching, counts)
        for row in await notification.fetch(
                "SELECT source_event_id, recipient_id, channel, count(*) AS n FROM messages"
                " WHERE source_event_type = 'ApprovalReminderDue' GROUP BY 1, 2, 3"
                " HAVING count(*) > 1"):
            counts.problems.append(f"reminder {row['source_event_id']} reached "
                                   f"{row['recipient_id']} by {row['channel']} {row['n']} times")
    finally:
        for conn in (approval, matching, notification):
            await conn.close()
    counts.timers_fired_by_replica = {
        f"approval replica {k}": _timers_fired(proc.log_path)
        for k, proc in enumerate(replica_set(system, "approval"), start=1)}


async def _reminders(run: Run, conn: asyncpg.Connection, counts: Counts) -> None:
    """Every reminder timer that fired made exactly one ApprovalReminderDue, in the outbox and
    on the topic (by event id: a relay killed mid-batch may have sent one record twice)."""
    fired = {str(r["stage_id"]) for r in await conn.fetch(
        "SELECT stage_id FROM timers WHERE kind = 'reminder' AND outcome = 'fired'")}
    counts.reminders_fired = len(fired)
    outboxed = Counter(str(json.loads(r["payload"])["stage_id"]) for r in await conn.fetch(
        "SELECT payload FROM outbox WHERE event_type = 'ApprovalReminderDue'"))
    published: dict[str, set[str]] = {}
    for record in await read_topic(run.system.bootstrap, run.system.prefix + "approvals"):
        try:
            event = json.loads(record.value)
        except ValueError:
            continue  # poison
        if isinstance(event, dict) and event.get("event_type") == "ApprovalReminderDue":
            published.setdefault(str(event["stage_id"]), set()).add(str(event["event_id"]))
    for stage in fired | set(outboxed) | set(published):
        made, sent = outboxed.get(stage, 0), len(published.get(stage, ()))
        if stage not in fired or made != 1 or sent != 1:
            counts.problems.append(f"stage {stage}: reminder timer fired={stage in fired}, "
                                   f"{made} reminders in the outbox, {sent} on the topic")


async def _rounds(conn: asyncpg.Connection, counts: Counts) -> None:
    proposed: dict[str, set[str]] = {}
    for row in await conn.fetch("SELECT round_id, application_id FROM proposals"
                                " WHERE round_id IS NOT NULL"):
        proposed.setdefault(str(row["round_id"]), set()).add(str(row["application_id"]))
    reports = {str(r["round_id"]): r for r in await conn.fetch(
        "SELECT round_id, report, finished_at FROM rounds")}
    for first, second in counts.round_pairs:
        if first == second:
            continue  # the two starts joined one round (the service's 200 for the second)
        both = proposed.get(first, set()) & proposed.get(second, set())
        if both:
            counts.problems.append(f"rounds {first} and {second}, started at once, both "
                                   f"proposed {sorted(both)[:5]}")
    for round_id in {r for pair in counts.round_pairs for r in pair}:
        row = reports.get(round_id)
        if row is None or row["finished_at"] is None:
            counts.problems.append(f"round {round_id} answered but is not finished")
            continue
        report = json.loads(row["report"]) if isinstance(row["report"], str) else row["report"]
        if report["matched"] != len(proposed.get(round_id, ())):
            counts.problems.append(f"round {round_id} reports {report['matched']} matched but "
                                   f"wrote {len(proposed.get(round_id, ()))} proposals")
    counts.rounds_matched = sum(len(apps) for apps in proposed.values())


def _timers_fired(log: Path) -> int:
    """Timers this replica fired, from its JSON log lines (every run of the process)."""
    fired = 0
    if not log.exists():
        return 0
    for line in log.read_text(errors="replace").splitlines():
        if '"timer"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        fired += entry.get("event") == "timer" and entry.get("outcome") == "fired"
    return fired
