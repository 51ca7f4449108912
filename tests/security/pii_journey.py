"""A placement journey whose applicant carries unmistakable personal data, and the tools to
look for that data afterwards: every record of every topic from offset 0, every text column
of every service's database, and the HR monitor's SSE stream.

The person's name and email share no substring with their subject (the applicant id), so a
hit means the personal data itself travelled, not the pseudonymous id.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from contracts.pii import drop_paths
from shared.kafka import topic_layout
from shared.settings import TopicSettings

from contracts import ContractError, event_class, pii_paths
from tests.e2e.actors import ApplicantActor, HostActor, Users, wait_for
from tests.e2e.system import System

# Far from every other test's dates and sectors, so matching never mixes their people in.
YEAR = 2091


@dataclass(frozen=True)
class Person:
    sub: str
    name: str
    email: str

    @classmethod
    def new(cls) -> Person:
        token = uuid.uuid4().hex[:10]
        return cls(sub=f"sec-pii-{uuid.uuid4().hex[:10]}", name=f"Zephyrine Quillfeather{token}",
                   email=f"zq.{token}@pii-test.example")

    def needles(self) -> list[str]:
        """Every piece of their personal data a leak could show: whole or in parts."""
        surname = self.name.split()[-1]
        local = self.email.split("@")[0]
        return [self.name, self.email, surname, local]

    def found_in(self, text: str) -> list[str]:
        low = text.casefold()
        return [n for n in self.needles() if n.casefold() in low]


@dataclass
class Journey:
    person: Person
    applicant: ApplicantActor
    host: HostActor
    application_id: str
    placement_id: str


async def placed_and_ended(users: Users, tag: str | None = None) -> Journey:
    """Apply, match, every industry-scheme stage, confirm, start and end with feedback."""
    tag = tag or uuid.uuid4().hex[:8]
    host = users.host(f"pii-host-{tag}")
    await host.post_opportunity(
        host_name=f"Helix Biologics {tag}", host_staff_count=400, host_sector="life_sciences",
        country="GB", region="London", scheme="industry", title=f"Trial policy {tag}",
        sector="life_sciences", required_skills=[], desired_skills=[],
        start_window_from=f"{YEAR}-02-01", start_window_to=f"{YEAR}-06-30", length_months=2,
        clearance_needed="none", capacity=1, closing_date=f"{YEAR}-01-15")
    person = Person.new()
    applicant = users.applicant(person.sub)
    department, manager = f"pii-dept-{tag}", f"pii-manager-{tag}"
    await applicant.civil_servant(department, manager, name=person.name, email=person.email,
                                  sectors=["life_sciences"], preferred_regions=["London"])
    application = await applicant.submit("industry", f"{YEAR}-02-01", 2)
    app_id = str(application.id)
    await applicant.wait_status(app_id, "in_approval", within=60)
    for stage_name, approver in [("line_manager", users.line_manager(manager)),
                                 ("departmental_hr", users.departmental_hr(department)),
                                 ("conflict_of_interest", users.ethics()),
                                 ("host_acceptance", host)]:
        stage = await approver.waiting_stage(app_id, stage_name, within=60)
        await approver.grant(stage.id, note=f"{stage_name} content")
    await applicant.wait_status(app_id, "confirmed", within=60)
    placement = await host.wait_placement(app_id, within=60)
    # Started and ended today: an end may lie neither in the future nor before the start.
    await host.start(placement.id)
    await host.end(placement.id, "completed", host_rating=5, skills_gained=["trial design"])
    await applicant.wait_status(app_id, "ended", within=60)
    return Journey(person, applicant, host, app_id, str(placement.id))


async def mail_to(system: System, address: str, count: int = 1, within: float = 60.0
                  ) -> list[str]:
    """Positive control: the sealed address did reach the notification service."""
    async def probe() -> list[str] | None:
        got = [m for m in system.emails() if f"To: {address}" in m]
        return got if len(got) >= count else None
    return await wait_for(probe, f"{count} email(s) to {address}", within, interval=0.2)


# --- the topics -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


async def read_every_topic(system: System) -> list[Record]:
    """Every record on every topic and dead-letter topic of the system, from offset 0 to the
    end offsets as they stand now, with a plain consumer (no group, nothing committed)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=system.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        # The partitions ensure_topics created: the catalogue's, or BPS_TOPIC_PARTITIONS.
        parts = [TopicPartition(name, p)
                 for name, layout in topic_layout(TopicSettings(), system.prefix).items()
                 for p in range(layout.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out: list[Record] = []
        pending = {tp for tp in parts if ends[tp] > 0}
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for records in batch.values():
                out += [Record(r.topic.removeprefix(system.prefix), r.partition, r.offset,
                               r.key, r.value or b"", tuple(r.headers or ())) for r in records]
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        return out
    finally:
        await consumer.stop()


def non_pii_view(value: bytes) -> Any:
    """The record's payload without the fields its contract marks PII (the whole payload when
    it is not a known event: then nothing in it is allowed to be personal)."""
    try:
        data = json.loads(value)
        cls = event_class(str(data.get("event_type")), data.get("schema_version"))
    except (ValueError, ContractError, AttributeError):
        return value.decode(errors="replace")
    return drop_paths(data, pii_paths(cls))


def leaks(record: Record, person: Person, *, pii_fields_too: bool) -> list[str]:
    """Where the person's data shows in a record: key, headers, non-PII fields (and with
    `pii_fields_too`, anywhere in the value)."""
    found = []
    places = {"key": (record.key or b"").decode(errors="replace"),
              "headers": json.dumps([(k, v.decode(errors="replace"))
                                     for k, v in record.headers]),
              "non-PII fields": json.dumps(non_pii_view(record.value))}
    if pii_fields_too:
        places["value"] = record.value.decode(errors="replace")
    for place, text in places.items():
        found += [f"{record.where()} {place}: {hit!r}" for hit in person.found_in(text)]
    return found



# --- the databases --------------------------------------------------------------------------

async def database_hits(dsn: str, person: Person) -> list[str]:
    """Every table row of one database whose text form holds the person's data."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = [r["t"] for r in await conn.fetch(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t"
            " FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')")]
        hits = []
        for table in tables:
            # bytea columns (outbox payloads) as text too: convert_from would fail on
            # ciphertext, so compare the escaped form, which keeps ASCII readable.
            rows = await conn.fetch(f"SELECT t::text AS row FROM {table} t")
            for row in rows:
                text = _unescape_bytea(row["row"])
                hits += [f"{table}: {hit!r}" for hit in person.found_in(text)]
        return hits
    finally:
        await conn.close()


def _unescape_bytea(text: str) -> str:
    # A row's text form shows bytea as \x<hex>; decode those runs so JSON payloads in the
    # outbox are searched as what they are.
    out, i = [], 0
    while True:
        j = text.find("\\\\x", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        k = j + 3
        while k < len(text) and text[k] in "0123456789abcdef":
            k += 1
        hexrun = text[j + 3:k]
        out.append(bytes.fromhex(hexrun[: len(hexrun) // 2 * 2]).decode(errors="replace"))
        i = k
