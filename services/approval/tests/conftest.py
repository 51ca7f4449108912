import uuid
from datetime import UTC, date, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from approval.app import build_app
from approval.config import ApprovalSettings
from contracts.examples import example
from testkit.harness.events import eventually
from testkit.harness.fixtures import reader_fixture, service_fixture

from contracts import (
    ApplicationWithdrawn,
    Clearance,
    Country,
    Event,
    MatchDeclined,
    MatchProposed,
    Scheme,
    parse_event,
)

FAST = dict(timer_poll_seconds=0.1, consumer_retry_backoff_seconds=0.01,
            write_rate_per_minute=100_000)


service = service_fixture(build_app, ApprovalSettings, **FAST)
reader = reader_fixture("approvals", "placements")


SCHEME_FACTS = {
    Scheme.INDUSTRY: dict(organisation_id="dept-dbt", line_manager_id="manager-1",
                          host_org_id="org-windco", country=Country.GB),
    Scheme.GOVERNMENT: dict(organisation_id="emp-acme", host_org_id="dept-desnz",
                            clearance_needed=Clearance.SC, clearance_held=Clearance.BPSS,
                            country=Country.GB),
    Scheme.DIPLOMATIC: dict(organisation_id="post-paris", host_org_id="sme-bistro",
                            bcc_chamber_id="bcc-france", country=Country.FR, region=None),
}


def proposal(scheme: Scheme = Scheme.INDUSTRY, **fields) -> MatchProposed:
    application_id = uuid.uuid4()
    return example(MatchProposed, **{
        "application_id": application_id, "correlation_id": application_id,
        "match_id": uuid.uuid4(), "opportunity_id": uuid.uuid4(),
        "applicant_id": f"applicant-{application_id.hex[:6]}", "scheme": scheme,
        "start_date": date(2027, 1, 4), "length_months": 6, "line_manager_id": None,
        "bcc_chamber_id": None, "clearance_needed": Clearance.BPSS,
        "clearance_held": Clearance.SC, **SCHEME_FACTS[scheme], **fields})


def withdrawal(p: MatchProposed) -> ApplicationWithdrawn:
    return ApplicationWithdrawn(producer="applicant", correlation_id=p.correlation_id,
                                application_id=p.application_id, applicant_id=p.applicant_id,
                                scheme=p.scheme, reason="changed my mind")


def declined(p: MatchProposed) -> MatchDeclined:
    """The applicant turns this proposal down (matching's event)."""
    return MatchDeclined(producer="matching", correlation_id=p.correlation_id,
                         match_id=p.match_id, application_id=p.application_id,
                         opportunity_id=p.opportunity_id, applicant_id=p.applicant_id,
                         host_org_id=p.host_org_id, scheme=p.scheme, reason="not for me")


async def propose(svc, p: Event) -> None:
    await svc.publish(p)


def approver_headers(svc, stage: dict) -> dict:
    """A token for exactly the approver the stage names."""
    sub = stage["approver_id"] or f"{stage['approver_role']}-user"
    return svc.auth(sub, stage["approver_role"], org=stage["approver_org_id"])


HR = ("hr-alice", "hr")


async def open_stage(svc, application_id: uuid.UUID, wait: float = 20.0) -> dict:
    """The case's open stage, as central HR sees it (waits for the proposal to be consumed)."""
    async def find():
        r = await svc.client.get("/stages", params={"status": "open", "limit": 200},
                                 headers=svc.auth(*HR))
        return next((s for s in r.json() if s["application_id"] == str(application_id)), None)

    return await eventually(find, timeout=wait)


async def decide(svc, stage: dict, decision: str = "grant", headers=None, **body):
    return await svc.client.post(f"/stages/{stage['id']}/decision",
                                 json={"decision": decision, **body},
                                 headers=headers or approver_headers(svc, stage))


async def stage_after_grants(svc, p: MatchProposed, grants: int, expected: str) -> dict:
    """Propose `p`, grant its first `grants` stages, and return the stage then open (which
    must be `expected`)."""
    await propose(svc, p)
    for _ in range(grants):
        r = await decide(svc, await open_stage(svc, p.application_id))
        assert r.status_code == 200, r.text
    stage = await open_stage(svc, p.application_id)
    assert stage["stage"] == expected
    return stage


async def read_all(bootstrap: str, *topics: str) -> list[Event]:
    """Every event on the topics up to their current end: a complete count, no waiting game."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in topics
                 for p in (consumer.partitions_for_topic(t) or await _partitions(consumer, t))]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=500)
            out.extend(parse_event(r.value) for rs in batch.values() for r in rs)
        return out
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - metadata for assign()
    return consumer.partitions_for_topic(topic) or set()


async def approve_all(svc, reader, p: MatchProposed):
    """Walk the whole chain granting every stage; returns the PlacementConfirmed event."""
    from approval.domain import chain_for

    for _ in chain_for(p.scheme, p.clearance_needed, p.clearance_held):
        r = await decide(svc, await open_stage(svc, p.application_id))
        assert r.status_code == 200, r.text
    return await reader.wait_for_event(
        "PlacementConfirmed", where=lambda e: e.application_id == p.application_id)


def utc_today() -> date:
    """Today as the service counts it (UTC)."""
    return datetime.now(UTC).date()


def months_from_today(months: int) -> date:
    """Today moved by whole calendar months (approval's own rule for a placement's end)."""
    from approval.domain import add_months

    return add_months(utc_today(), months)


def host(svc, p):
    return svc.auth("host-user", "host", org=p.host_org_id)


async def running_placement(svc, reader, start: date, months: int,
                            scheme: Scheme = Scheme.INDUSTRY):
    """A placement from `start` for `months`, approved and started on its start date;
    (the proposal, the PlacementConfirmed event)."""
    p = proposal(scheme, start_date=start, length_months=months)
    await propose(svc, p)
    confirmed = await approve_all(svc, reader, p)
    r = await svc.client.post(f"/placements/{confirmed.placement_id}/start",
                              json={"started_on": start.isoformat()}, headers=host(svc, p))
    assert (r.status_code, r.json()["status"]) == (200, "started"), r.text
    return p, confirmed
