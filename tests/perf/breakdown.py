"""Where a journey's time goes, hop by hop, from the events' own timestamps.

Every event of a journey (same correlation id: the application) on the journey's topics is
read with its `occurred_at` (set by the handler or endpoint that made it, inside its
transaction) and its Kafka timestamp (set by the outbox relay's producer as it sends). Events
one transaction made count as one step (named `A + B`); for consecutive steps A -> B:

- `B relayed`: B.occurred_at -> B's Kafka timestamp: the rest of B's transaction, its commit,
  the relay's wake-up, select and send (the outbox relay's latency);
- `A -> B`: A's Kafka timestamp -> B.occurred_at: the broker, the consumer's fetch wait, the
  batch and handler work before B was made; when B is a decision, the approver robot's turn
  (woken by the ApprovalStageOpened it read, then an HTTP request) is in it too.

The first segment starts at the 201 the client saw (the event was made before it: `201 ->
relayed` can be short) and the last ends at the SMTP server's receipt of the email. Segments
are labelled by position, type and stage, and summarised as p50 / p99 over the journeys.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaConsumer

from tests.perf import latency
from tests.perf.core import Metric

CHAIN_TOPICS = ("applications", "matches", "approvals", "placements")


@dataclass(frozen=True)
class Seen:
    event_type: str
    stage: str | None
    occurred: float  # epoch seconds
    relayed: float  # the record's Kafka timestamp, epoch seconds

    @property
    def name(self) -> str:
        return f"{self.event_type}({self.stage})" if self.stage else self.event_type


@dataclass
class EventLog:
    """Every chain event by correlation id, as read off the topics."""

    by_journey: dict[str, list[Seen]] = field(default_factory=lambda: defaultdict(list))

    async def run(self, bootstrap: str, prefix: str) -> None:
        consumer = AIOKafkaConsumer(*(prefix + t for t in CHAIN_TOPICS),
                                    bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                    enable_auto_commit=False, group_id=None,
                                    fetch_max_wait_ms=100)
        await consumer.start()
        try:
            while True:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for r in records:
                        self.add(json.loads(r.value), r.timestamp / 1000)
        finally:
            await consumer.stop()

    def add(self, event: dict, relayed: float) -> None:
        occurred = datetime.fromisoformat(event["occurred_at"]).timestamp()
        self.by_journey[str(event["correlation_id"])].append(
            Seen(event["event_type"], event.get("stage"), occurred, relayed))


def segments(accepted: float, emailed: float, events: list[Seen]) -> list[tuple[str, float]]:
    """(label, seconds) for one journey, from the 201 to the email, in order. They add up to
    the whole: events one transaction made (each made before the first of them was sent, so
    none caused another) are one step, `A + B relayed`, from the first made to the last sent."""
    out: list[tuple[str, float]] = []
    previous_at, previous = accepted, "201"
    steps = _transactions(e for e in events if e.occurred <= emailed)
    for i, step in enumerate(steps, 1):
        name = " + ".join(e.name for e in step)
        made, sent = step[0].occurred, max(e.relayed for e in step)
        if i > 1:
            out.append((f"{i:02d}a {previous} -> {name}", made - previous_at))
        out.append((f"{i:02d}b {name} relayed", sent - max(made, accepted) if i == 1
                    else sent - made))
        previous_at, previous = sent, name
    out.append((f"{len(steps) + 1:02d}a {previous} -> email received", emailed - previous_at))
    return out


def _transactions(events: Iterable[Seen]) -> list[list[Seen]]:
    steps: list[list[Seen]] = []
    for e in sorted(events, key=lambda e: e.occurred):
        if steps and e.occurred < steps[-1][0].relayed:
            steps[-1].append(e)
        else:
            steps.append([e])
    return steps


def breakdown_metrics(name: str, journeys: list[tuple[float, float, list[Seen]]]
                      ) -> list[Metric]:
    """Per segment: p50 as the value, p90/p99 in the detail; only segments every journey had
    (a chain that differs, e.g. a re-match, would mix unlike hops)."""
    per_label: dict[str, list[float]] = defaultdict(list)
    for accepted, emailed, events in journeys:
        for label, seconds in segments(accepted, emailed, events):
            per_label[label].append(seconds)
    out = []
    for label, values in sorted(per_label.items()):
        if len(values) < len(journeys):
            continue
        h = latency.histogram()
        for v in values:
            latency.record_seconds(h, max(0.0, v))
        ms = {p: h.get_value_at_percentile(p) / 1000 for p in latency.PERCENTILES}
        out.append(Metric(f"{name}.{label}", ms[50], "ms",
                          detail={"p90_ms": ms[90], "p99_ms": ms[99], "samples": len(values),
                                  "kind": "breakdown"}))
    return out


def lean_journey(parts: list[Metric], lean_hop_p50_ms: float | None) -> list[Metric]:
    """The lean journey to the email, composed from the lean hop: each step of the chain (one
    transaction, its events relayed) is a lean hop, and sending the email one more; robots and
    HTTP requests count as nothing. `lean.journey_email` is the p50 it would take."""
    events = sum(1 for m in parts if m.name.endswith(" relayed"))
    if not events or not lean_hop_p50_ms:
        return []
    hops = events + 1
    return [Metric("lean.journey_email", hops * lean_hop_p50_ms, "ms",
                   detail={"hops": hops, "lean_hop_p50_ms": lean_hop_p50_ms})]
