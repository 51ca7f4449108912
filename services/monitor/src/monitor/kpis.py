"""Pure KPI and open-data rules over event-log rows.

A journey is every event with one application id. Its scheme is the first one stated; its
sector and region are the last ones stated (the matched or placed opportunity's), or
"unassigned" when it never got that far.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any
from uuid import UUID

from monitor.domain import LoggedEvent, in_story_order, next_status

UNASSIGNED = "unassigned"
CLOSING_STATUSES = frozenset({"withdrawn", "rejected", "ended"})


@dataclass
class Journey:
    application_id: UUID
    scheme: str = UNASSIGNED
    sector: str = UNASSIGNED
    region: str = UNASSIGNED
    status: str | None = None
    submitted_at: datetime | None = None
    confirmed_at: datetime | None = None
    completed: bool = False
    # (case_id, stage) -> the escalation, while no decision has followed it.
    open_escalations: dict[tuple[str, str], LoggedEvent] = field(default_factory=dict)


def journeys(events: Iterable[LoggedEvent]) -> list[Journey]:
    by_app: dict[UUID, list[LoggedEvent]] = defaultdict(list)
    for e in events:
        if e.application_id is not None:
            by_app[e.application_id].append(e)
    return [_journey(app_id, in_story_order(evs)) for app_id, evs in by_app.items()]


def _journey(application_id: UUID, events: list[LoggedEvent]) -> Journey:
    j = Journey(application_id)
    for e in events:
        if e.scheme and j.scheme == UNASSIGNED:
            j.scheme = e.scheme
        j.sector = e.sector or j.sector
        j.region = e.region or j.region
        j.status = next_status(j.status, e.event_type)
        if e.event_type == "ApplicationSubmitted" and j.submitted_at is None:
            j.submitted_at = e.occurred_at
        if e.event_type == "PlacementConfirmed" and j.confirmed_at is None:
            j.confirmed_at = e.occurred_at
        if e.event_type == "PlacementEnded" and e.payload.get("outcome") == "completed":
            j.completed = True
        stage_key = (str(e.payload.get("case_id")), str(e.payload.get("stage")))
        if e.event_type == "ApprovalEscalated":
            j.open_escalations[stage_key] = e
        elif e.event_type in ("ApprovalGranted", "ApprovalRefused"):
            j.open_escalations.pop(stage_key, None)
    if j.status in CLOSING_STATUSES:
        j.open_escalations.clear()
    return j


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, Excel's PERCENTILE.INC)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def compute_kpis(events: Sequence[LoggedEvent], opportunities: Sequence[LoggedEvent],
                 now: datetime) -> dict[str, Any]:
    js = journeys(events)
    waits = [(j.confirmed_at - j.submitted_at).total_seconds() for j in js
             if j.confirmed_at and j.submitted_at]
    return {
        "applications": len(js),
        "by_status": dict(Counter(j.status or UNASSIGNED for j in js)),
        "by_scheme": dict(Counter(j.scheme for j in js)),
        "by_sector": dict(Counter(j.sector for j in js)),
        "by_region": dict(Counter(j.region for j in js)),
        "time_to_confirmed_seconds": {"count": len(waits), "median": percentile(waits, 0.5),
                                      "p90": percentile(waits, 0.9)},
        "open_sla_breaches": _breaches(js, now),
        "fill_rate": _fill_rates(js, opportunities),
        "outcomes": _outcomes(events),
    }


def _breaches(js: list[Journey], now: datetime) -> list[dict[str, Any]]:
    out = []
    for j in js:
        for (case_id, stage), e in j.open_escalations.items():
            due = datetime.fromisoformat(str(e.payload.get("due_at")))
            out.append({"application_id": str(j.application_id), "case_id": case_id,
                        "stage": stage, "due_at": due.isoformat(),
                        "overdue_seconds": max(0.0, (now - due).total_seconds())})
    return sorted(out, key=lambda b: -b["overdue_seconds"])


def _fill_rates(js: list[Journey], opportunities: Sequence[LoggedEvent]) -> dict[str, Any]:
    capacity: dict[str, tuple[int, str, str]] = {}  # opportunity id -> (places, sector, region)
    for e in in_story_order(opportunities):
        opp = str(e.payload.get("opportunity_id"))
        places, sector, region = capacity.get(opp, (0, UNASSIGNED, UNASSIGNED))
        if "capacity" in e.payload:
            places = int(e.payload["capacity"])
        capacity[opp] = (places, e.sector or sector, e.region or region)
    confirmed = [j for j in js if j.confirmed_at is not None]
    result: dict[str, Any] = {}
    for dim, index in (("sector", 1), ("region", 2)):
        places: Counter[str] = Counter()
        for entry in capacity.values():
            places[entry[index]] += entry[0]
        filled = Counter(getattr(j, dim) for j in confirmed)
        result[f"by_{dim}"] = {
            key: {"places": places[key], "confirmed": filled[key],
                  "fill_rate": round(filled[key] / places[key], 4) if places[key] else None}
            for key in sorted(set(places) | set(filled))}
    return result


def _outcomes(events: Sequence[LoggedEvent]) -> dict[str, Any]:
    ended = {e.application_id: e for e in in_story_order(events)
             if e.event_type == "PlacementEnded"}.values()
    host = [int(e.payload["host_rating"]) for e in ended if e.payload.get("host_rating")]
    placee = [int(e.payload["placee_rating"]) for e in ended if e.payload.get("placee_rating")]
    return {
        "ended": len(ended),
        "by_outcome": dict(Counter(str(e.payload.get("outcome")) for e in ended)),
        "host_rating": {"count": len(host), "mean": round(fmean(host), 2) if host else None,
                        "distribution": {str(r): host.count(r) for r in range(1, 6)}},
        "placee_rating": {"count": len(placee),
                          "mean": round(fmean(placee), 2) if placee else None,
                          "distribution": {str(r): placee.count(r) for r in range(1, 6)}},
    }


OPEN_DATA_MEASURES = ("applications", "placements_confirmed", "placements_completed")


def open_data(events: Sequence[LoggedEvent], min_cell: int = 5) -> list[dict[str, Any]]:
    """Counts by sector, region and scheme; a count under min_cell becomes None (suppressed).

    No totals are published: with totals, a hidden cell could be worked out by subtraction.
    A group whose every count is hidden is left out, so not even its existence is disclosed.
    """
    cells: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for j in journeys(events):
        c = cells[(j.sector, j.region, j.scheme)]
        c["applications"] += 1
        c["placements_confirmed"] += j.confirmed_at is not None
        c["placements_completed"] += j.completed
    rows = []
    for (sector, region, scheme), counts in sorted(cells.items()):
        row: dict[str, Any] = {"sector": sector, "region": region, "scheme": scheme}
        for m in OPEN_DATA_MEASURES:
            row[m] = counts[m] if counts[m] >= min_cell else None
        if any(row[m] is not None for m in OPEN_DATA_MEASURES):
            rows.append(row)
    return rows
