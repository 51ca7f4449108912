"""The KPIs HR sets targets for, and their value in each quarter, as pure functions over the
event log's rows. Each KPI counts the events that happened in the quarter (placements
confirmed, placements ended, opportunities published), so quarters never overlap."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import fmean, median

from contracts import UKRegion
from monitor.domain import OUTSIDE_UK, LoggedEvent, in_story_order
from monitor.kpis import journeys
from monitor.opendata.periods import Quarter
from monitor.opendata.rules import opportunity_at, size_band

REGIONS = (*(r.value for r in UKRegion), OUTSIDE_UK)
SME_BANDS = frozenset({"micro", "small", "medium"})


@dataclass(frozen=True)
class KpiDef:
    id: str
    label: str
    unit: str  # percent | rating | days
    direction: str  # at_least | at_most: how a value meets its target
    per_region: bool
    low: float
    high: float
    description: str


KPIS = {k.id: k for k in (
    KpiDef("region_share", "Share of placements in the region", "percent", "at_least", True,
           0, 100, "placements confirmed in the quarter with a host in the region, as a "
           "percentage of all placements confirmed in the quarter"),
    KpiDef("sme_host_share", "Share of placements with SME hosts", "percent", "at_least",
           False, 0, 100, "placements confirmed in the quarter whose host has fewer than 250 "
           "staff, as a percentage of those whose host's size is known"),
    KpiDef("fill_rate", "Fill rate", "percent", "at_least", False, 0, 100,
           "places taken of the places offered by opportunities published in the quarter"),
    KpiDef("completion_rate", "Placements completed", "percent", "at_least", False, 0, 100,
           "placements ended in the quarter that ran to their end, of all ended in it"),
    KpiDef("placee_rating", "Placees' mean rating", "rating", "at_least", False, 1, 5,
           "mean rating (1-5) placees gave the placements that ended in the quarter"),
    KpiDef("host_rating", "Hosts' mean rating", "rating", "at_least", False, 1, 5,
           "mean rating (1-5) hosts gave the placements that ended in the quarter"),
    KpiDef("follow_up_response_rate", "Outcome follow-ups answered", "percent", "at_least",
           False, 0, 100, "follow-ups (6 and 12 months after leaving) due in the quarter that "
           "were answered, of those answered or lapsed"),
    KpiDef("days_to_confirmation", "Median days from application to confirmation", "days",
           "at_most", False, 0, 365, "median days from submission to confirmation of the "
           "placements confirmed in the quarter"),
)}


@dataclass(frozen=True)
class Value:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


def share(part: int, whole: int) -> Value:
    return Value(round(100 * part / whole, 1) if whole else None, part, whole)


def measure(events: Sequence[LoggedEvent], opportunities: Sequence[LoggedEvent],
            quarters: Iterable[Quarter]) -> dict[tuple[str, str, Quarter], Value]:
    """(kpi, region or '', quarter) -> its value."""
    quarters = list(quarters)
    facts = _Facts(events, opportunities)
    out: dict[tuple[str, str, Quarter], Value] = {}
    for q in quarters:
        confirmed = [c for c in facts.confirmed if c[0] == q]
        for region in REGIONS:
            out[("region_share", region, q)] = share(
                sum(c[1] == region for c in confirmed), len(confirmed))
        sized = [c for c in confirmed if c[2] != "unknown"]
        out[("sme_host_share", "", q)] = share(sum(c[2] in SME_BANDS for c in sized),
                                               len(sized))
        offered = [o for o in facts.offered.values() if o[0] == q]
        out[("fill_rate", "", q)] = share(sum(o[2] for o in offered),
                                          sum(o[1] for o in offered))
        ended = [e for e in facts.ended if e[0] == q]
        out[("completion_rate", "", q)] = share(sum(e[1] == "completed" for e in ended),
                                                len(ended))
        for kpi, index in (("placee_rating", 2), ("host_rating", 3)):
            rated = [e[index] for e in ended if e[index]]
            out[(kpi, "", q)] = Value(round(fmean(rated), 2) if rated else None, None,
                                      len(rated))
        settled = [answered for due, answered in facts.follow_ups.values() if due == q]
        out[("follow_up_response_rate", "", q)] = share(sum(settled), len(settled))
        waits = [c[3] for c in confirmed if c[3] is not None]
        out[("days_to_confirmation", "", q)] = Value(
            round(median(waits), 1) if waits else None, None, len(waits))
    return out


class _Facts:
    """What each KPI counts, found once: confirmations, ends and opportunities."""

    def __init__(self, events: Sequence[LoggedEvent], opportunities: Sequence[LoggedEvent]
                 ) -> None:
        versions: dict[str, list] = defaultdict(list)
        # opportunity id -> (quarter published, places, places taken)
        self.offered: dict[str, list] = {}
        for e in in_story_order(opportunities):
            opp = str(e.payload.get("opportunity_id"))
            if e.event_type in ("OpportunityPublished", "OpportunityAmended"):
                versions[opp].append((e.occurred_at, e.payload))
            if e.event_type == "OpportunityPublished" and opp not in self.offered:
                self.offered[opp] = [Quarter.containing(e.occurred_at.date()), 0, 0]
            if opp in self.offered and "capacity" in e.payload:
                self.offered[opp][1] = int(e.payload["capacity"])
        submitted = {j.application_id: j.submitted_at for j in journeys(events)}
        self.confirmed: list[tuple] = []  # (quarter, region, size band, days waited)
        self.follow_ups: dict[str, tuple[Quarter, bool]] = {}  # id -> (quarter due, answered)
        self.ended: list[tuple] = []  # (quarter, outcome, placee rating, host rating)
        seen: set = set()
        for e in in_story_order(events):
            if e.event_type == "PlacementConfirmed" and e.application_id not in seen:
                seen.add(e.application_id)
                self._confirmation(e, versions, submitted.get(e.application_id))
            elif e.event_type in ("OutcomeRecorded", "FollowUpLapsed"):
                self._follow_up(e)
            elif e.event_type == "PlacementEnded":
                p = e.payload
                self.ended.append((Quarter.containing(e.occurred_at.date()), p.get("outcome"),
                                   p.get("placee_rating"), p.get("host_rating")))

    def _follow_up(self, e: LoggedEvent) -> None:
        """The first answer counts; a lapse only stands while there is no answer."""
        key, answered = str(e.payload.get("follow_up_id")), e.event_type == "OutcomeRecorded"
        if key in self.follow_ups and (self.follow_ups[key][1] or not answered):
            return
        due = date.fromisoformat(str(e.payload.get("due_on")))
        self.follow_ups[key] = (Quarter.containing(due), answered)

    def _confirmation(self, e: LoggedEvent, versions: dict[str, list], submitted) -> None:
        p = e.payload
        opp_id = str(p.get("opportunity_id"))
        opp = opportunity_at(versions.get(opp_id, []), e.occurred_at) or {}
        region = p.get("region") if (p.get("country") or "GB") == "GB" else OUTSIDE_UK
        waited = ((e.occurred_at - submitted).total_seconds() / 86400 if submitted else None)
        self.confirmed.append((Quarter.containing(e.occurred_at.date()), region,
                               size_band(opp.get("host_staff_count")), waited))
        if opp_id in self.offered:
            self.offered[opp_id][2] += 1
