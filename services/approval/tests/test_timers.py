"""SLA timers: reminder, escalation to HR, expiry; durable across a SIGKILL and a restart."""

import asyncio
from datetime import UTC, datetime

import asyncpg
from approval.app import build_app
from approval.config import ApprovalSettings
from testkit.harness.events import TopicReader, eventually, publish
from testkit.harness.fixtures import service_fixture
from testkit.harness.postgres import drop_database
from testkit.harness.process import process_for
from testkit.harness.service import test_settings as fresh_settings

from contracts import Scheme

from .conftest import FAST, HR, decide, open_stage, proposal, propose, read_all

# line_manager: reminder at 0.5 s, escalation at 1 s, expiry at 4 s.
SHORT = dict(sla_due_seconds={"line_manager": 1.0, "departmental_hr": 30.0},
             sla_reminder_fraction=0.5, sla_expiry_factor=4.0)


service = service_fixture(build_app, ApprovalSettings, **{**FAST, **SHORT})


def of_application(p):
    return lambda e: getattr(e, "application_id", None) == p.application_id


async def test_an_undecided_stage_is_reminded_escalated_then_expired_in_that_order(
        service, reader):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    rejected = await reader.wait_for_event("PlacementRejected", where=of_application(p))
    assert (rejected.reason, rejected.stage) == ("expired", "line_manager")
    mine = [e for e in reader.events() if of_application(p)(e)]
    types = [e.event_type for e in mine]
    assert types == ["ApprovalStageOpened", "ApprovalReminderDue", "ApprovalEscalated",
                     "PlacementRejected"]
    opened, reminded, escalated = mine[:3]
    assert reminded.occurred_at < escalated.occurred_at >= opened.due_at
    assert escalated.escalated_to == "hr"
    stage = (await service.client.get("/stages", params={"status": "expired"},
                                      headers=service.auth(*HR))).json()
    assert any(s["application_id"] == str(p.application_id) and s["escalated"] for s in stage)


async def test_once_escalated_central_hr_decides_and_the_old_deadline_does_nothing(
        service, reader):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    await reader.wait_for_event("ApprovalEscalated", where=of_application(p))
    stage = await open_stage(service, p.application_id)
    r = await decide(service, stage, headers=service.auth(*HR), note="decided on escalation")
    assert (r.status_code, r.json()["decided_by"]) == (200, HR[0])

    async def expiry_skipped():
        async with service.runtime.pool.acquire() as conn:
            return await conn.fetchval(
                "SELECT outcome FROM timers WHERE stage_id = $1 AND kind = 'expiry'",
                stage["id"]) == "skipped"

    await eventually(expiry_skipped, timeout=15)
    nxt = await open_stage(service, p.application_id)
    assert nxt["stage"] == "departmental_hr" and nxt["status"] == "open"
    assert not any(e.event_type == "PlacementRejected" and of_application(p)(e)
                   for e in reader.events())


async def test_each_deadline_fires_exactly_once_across_a_sigkill_and_restart(tmp_path):
    settings = await fresh_settings(ApprovalSettings)
    # escalation at 4 s, expiry at 16 s: room to kill and restart in between
    proc = process_for(settings, tmp_path, SLA_DUE_SECONDS="{}", SLA_DEFAULT_DUE_SECONDS="4",
                       SLA_EXPIRY_FACTOR="4", TIMER_POLL_SECONDS="0.1",
                       OUTBOX_POLL_SECONDS="0.05")
    topics = [settings.topic("approvals"), settings.topic("placements")]
    p = proposal(Scheme.INDUSTRY)
    try:
        await asyncio.to_thread(proc.start)  # keeps the loop (and Kafka heartbeats) alive
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, p)
        async with TopicReader(settings.kafka_bootstrap_servers, *topics) as reader:
            await reader.wait_for_event("ApprovalEscalated", where=of_application(p))
            proc.kill()
            killed_at = datetime.now(UTC)
            assert not any(e.event_type == "PlacementRejected" for e in reader.events())
            await asyncio.to_thread(proc.start)
            rejected = await reader.wait_for_event("PlacementRejected", timeout=40,
                                                   where=of_application(p))
        assert rejected.reason == "expired"
        proc.stop()

        everything = [e for e in await read_all(settings.kafka_bootstrap_servers, *topics)
                      if of_application(p)(e)]
        for kind in ("ApprovalReminderDue", "ApprovalEscalated", "PlacementRejected"):
            fired = {e.event_id for e in everything if e.event_type == kind}
            assert len(fired) == 1, f"{kind} fired {len(fired)} times"
        conn = await asyncpg.connect(settings.database_url)
        try:
            timers = {r["kind"]: r for r in await conn.fetch("SELECT * FROM timers")}
        finally:
            await conn.close()
        assert {k: t["outcome"] for k, t in timers.items()} == {
            "reminder": "fired", "escalation": "fired", "expiry": "fired"}
        assert timers["escalation"]["fired_at"] < killed_at < timers["expiry"]["fired_at"]
        print("records per type:", {t: sum(e.event_type == t for e in everything)
                                    for t in {e.event_type for e in everything}})
    finally:
        proc.kill()
        await drop_database(settings.database_url)

