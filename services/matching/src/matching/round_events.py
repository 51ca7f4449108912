"""A round's events as outbox rows, from data the service built itself. Pure, no I/O.

A round writes tens of thousands of MatchProposed and NoMatchFound events. Building each
through its contract model (validate, then dump) cost about 0.1 ms of CPU per event, most of
a round's event work, to re-check data the round had just made from stored, validated rows.
Here each event is a dict of its model's fields, in the model's field order, with values
pydantic serialises as the model would (UUIDs, dates, enum values, validated explanation
parts), encoded by pydantic-core's own encoder (`to_json`, the one model_dump_json uses): the
same bytes the model would give. A proposal's explanation and rank list, most of its bytes,
are spliced in as JSON already made (each distinct explanation part is serialised once, by
its model, for the proposal's row and the event alike).

The contract still decides: the first event of every batch is also built through its model
(by the same code single events use) and must read back equal, so a contract change this
module does not follow fails the round instead of publishing a wrong event; the tests
compare a whole round's outbox with the models.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from shared.outbox import Outbox, envelope_headers

from contracts import Event

Fields = dict[str, Any]
# An event: its model's fields in order, serialised by to_json; or its first fields, and the
# JSON text of the rest (text the round has already made), from the comma after them.
Built = tuple[Fields, bytes | None]


def match_proposed(event_id: uuid.UUID, at: datetime, producer: str, match_id: uuid.UUID,
                   app: Any, opp: Any, explanation: Any, parts_json: bytes,
                   round_id: uuid.UUID, round_list: list[dict[str, Any]]) -> Built:
    """MatchProposed as handlers.proposal_event gives it to the model: its fields up to the
    score, then the rest as JSON. `app`, `opp`: the stored application and opportunity rows;
    `explanation`: domain's; `parts_json`: its parts as convert.Explanations writes them."""
    a, o = app["data"], opp["data"]
    return {
        "event_id": event_id, "event_type": "MatchProposed", "schema_version": 1,
        "occurred_at": at, "producer": producer, "correlation_id": app["correlation_id"],
        "causation_id": None, "match_id": match_id, "application_id": app["application_id"],
        "opportunity_id": opp["opportunity_id"], "applicant_id": app["applicant_id"],
        "host_org_id": o["host_org_id"], "scheme": o["scheme"], "sector": o["sector"],
        "country": o["country"], "region": o.get("region"),
        "start_date": explanation.start_date, "length_months": o["length_months"],
        "clearance_needed": o["clearance_needed"],
        "clearance_held": a.get("clearance_held") or "none",
        "organisation_id": a["organisation_id"], "line_manager_id": a.get("line_manager_id"),
        "bcc_chamber_id": o.get("bcc_chamber_id"), "score": max(explanation.score, 0.0),
    }, (b',"explanation":{' + parts_json + b'},"round_id":"' + str(round_id).encode()
        + b'","round_list":' + to_json(round_list) + b"}")


def no_match_found(event_id: uuid.UUID, at: datetime, producer: str, app: Any, reason: str,
                   round_id: uuid.UUID, round_list: list[dict[str, Any]]) -> Built:
    """NoMatchFound's fields for a stored application the round left unmatched."""
    return {
        "event_id": event_id, "event_type": "NoMatchFound", "schema_version": 1,
        "occurred_at": at, "producer": producer, "correlation_id": app["correlation_id"],
        "causation_id": None, "application_id": app["application_id"],
        "applicant_id": app["applicant_id"], "scheme": app["scheme"], "reasons": (reason,),
        "round_id": round_id, "round_list": round_list}, None


def outbox_rows(outbox: Outbox, events: Sequence[Built], first: Event) -> list[tuple]:
    """The rows Outbox.add would write for these events of one type (headers as JSON text).
    `first`: the first of them built through its contract model; they must agree."""
    model = type(first)
    payloads = [to_json(e) if rest is None else to_json(e)[:-1] + rest for e, rest in events]
    if model.model_validate_json(payloads[0]) != first:
        raise ValueError(f"a round's {model.__name__} differs from its contract model")
    headers = HeaderText(first)
    topic = outbox.topic_prefix + model.TOPIC
    key = model.KEY_FIELD
    return [(e["event_id"], topic, str(e[key]), e["event_type"], payload,
             headers.json(e["correlation_id"])) for (e, _), payload in zip(events, payloads,
                                                                           strict=True)]


class HeaderText:
    """The envelope headers of events like `sample` (same type, version and producer, no
    cause, one trace context: a round's events of one type), which differ only in their
    correlation id. The text is made once, split around that id, and each event's id put in:
    the same text json.dumps(envelope_headers(e)) gives, without building and encoding a dict
    (and asking the tracer for its context) per event."""

    def __init__(self, sample: Event) -> None:
        self._sample = sample
        text = json.dumps(envelope_headers(sample))
        parts = text.split(str(sample.correlation_id))
        self._around = tuple(parts) if len(parts) == 2 and sample.causation_id is None else None

    def json(self, correlation_id: uuid.UUID) -> str:
        if self._around is None:  # the id occurs elsewhere too: build this event's headers
            return json.dumps(envelope_headers(
                self._sample.model_copy(update={"correlation_id": correlation_id})))
        return f"{self._around[0]}{correlation_id}{self._around[1]}"
