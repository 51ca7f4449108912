import uuid
from datetime import UTC, datetime, timedelta

import pytest
from contracts.examples import example

from contracts import (
    ApplicationWithdrawn,
    ApprovalEscalated,
    ApprovalGranted,
    ApprovalStageOpened,
    NoMatchFound,
    OpportunityCapacityChanged,
    OpportunityPublished,
    PlacementApproved,
    PlacementConfirmed,
    PlacementEnded,
    PlacementStarted,
    Scheme,
    Sector,
    UKRegion,
)

from .conftest import next_event, publish_events, submitted, wait_logged

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = 86400.0


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def opportunity(sector: Sector, region: UKRegion, capacity: int) -> OpportunityPublished:
    opp = uuid.uuid4()
    return example(OpportunityPublished, opportunity_id=opp, correlation_id=opp, sector=sector,
                   host_sector=sector, region=region, capacity=capacity, occurred_at=T0)


def journey(scheme: Scheme, opp: OpportunityPublished | None, steps: list[tuple]) -> list:
    """Submitted at T0, then (event class, day, extra fields) in the opportunity's terms."""
    first = submitted(scheme, at=T0)
    terms = {} if opp is None else dict(opportunity_id=opp.opportunity_id, sector=opp.sector,
                                        region=opp.region)
    placement = dict(placement_id=uuid.uuid4())
    events = [first]
    for cls, when, *extra in steps:
        fields = {k: v for k, v in {**terms, **placement}.items() if k in cls.model_fields}
        events.append(next_event(cls, first, at=day(when), **fields, **(extra[0] if extra else {})))
    return events


def seeded() -> tuple[list, list]:
    from contracts import MatchProposed

    clean = opportunity(Sector.CLEAN_ENERGY, UKRegion.NORTH_WEST, 4)
    life = opportunity(Sector.LIFE_SCIENCES, UKRegion.LONDON, 2)
    resized = example(OpportunityCapacityChanged, opportunity_id=life.opportunity_id,
                      correlation_id=life.opportunity_id, capacity=3, places_left=2,
                      occurred_at=day(1))
    stage = dict(case_id=uuid.uuid4())
    journeys = [
        # A1: confirmed after 4 days.
        journey(Scheme.INDUSTRY, clean, [(MatchProposed, 1), (ApprovalStageOpened, 1, stage),
                                         (ApprovalGranted, 2, stage), (PlacementApproved, 3),
                                         (PlacementConfirmed, 4)]),
        # A2: confirmed after 10 days, started, ended completed (host 5, placee 4).
        journey(Scheme.INDUSTRY, clean, [(MatchProposed, 1), (PlacementConfirmed, 10),
                                         (PlacementStarted, 20),
                                         (PlacementEnded, 200, dict(host_rating=5,
                                                                    placee_rating=4))]),
        # A3: confirmed after 2 days.
        journey(Scheme.GOVERNMENT, life, [(MatchProposed, 1), (PlacementConfirmed, 2)]),
        # A4: no match; sector and region stay unassigned.
        journey(Scheme.DIPLOMATIC, None, [(NoMatchFound, 1)]),
        # A5: SLA missed and still undecided: one open breach.
        journey(Scheme.INDUSTRY, clean, [(MatchProposed, 1), (ApprovalStageOpened, 1, stage),
                                         (ApprovalEscalated, 6, dict(**stage, due_at=day(5)))]),
        # A6: escalated, then decided, then withdrawn: no open breach.
        journey(Scheme.INDUSTRY, life, [(MatchProposed, 1), (ApprovalStageOpened, 1, stage),
                                        (ApprovalEscalated, 6, dict(**stage, due_at=day(5))),
                                        (ApprovalGranted, 7, stage),
                                        (ApplicationWithdrawn, 8)]),
    ]
    return [clean, life, resized], journeys


async def test_kpis_match_a_hand_computed_expectation(fresh_service):
    service = fresh_service
    opportunities, journeys = seeded()
    events = [e for j in journeys for e in j]
    await publish_events(service, *opportunities, *events)
    await wait_logged(service, *opportunities, *events)

    response = await service.client.get("/kpis", headers=service.auth("hr-1", "hr"))
    assert response.status_code == 200
    k = response.json()

    assert k["applications"] == 6
    assert k["by_status"] == {"confirmed": 2, "ended": 1, "no_match": 1, "in_approval": 1,
                              "withdrawn": 1}
    assert k["by_scheme"] == {"industry": 4, "government": 1, "diplomatic": 1}
    assert k["by_sector"] == {"clean_energy": 3, "life_sciences": 2, "unassigned": 1}
    assert k["by_region"] == {"North West": 3, "London": 2, "unassigned": 1}
    # Waits of 2, 4 and 10 days: median 4; p90 at rank 1.8 = 4 + 0.8 x 6 = 8.8 days.
    assert k["time_to_confirmed_seconds"] == {"count": 3, "median": 4 * DAY,
                                              "p90": pytest.approx(8.8 * DAY)}
    [breach] = k["open_sla_breaches"]
    assert breach["application_id"] == str(journeys[4][0].application_id)
    assert breach["stage"] == "line_manager" and breach["due_at"] == day(5).isoformat()
    assert k["fill_rate"]["by_sector"] == {
        "clean_energy": {"places": 4, "confirmed": 2, "fill_rate": 0.5},
        "life_sciences": {"places": 3, "confirmed": 1, "fill_rate": 0.3333}}
    assert k["fill_rate"]["by_region"] == {
        "London": {"places": 3, "confirmed": 1, "fill_rate": 0.3333},
        "North West": {"places": 4, "confirmed": 2, "fill_rate": 0.5}}
    assert k["outcomes"]["ended"] == 1
    assert k["outcomes"]["by_outcome"] == {"completed": 1}
    assert k["outcomes"]["host_rating"]["mean"] == 5
    assert k["outcomes"]["placee_rating"]["mean"] == 4


async def test_open_data_hides_every_count_under_five(fresh_service):
    service = fresh_service
    from contracts import MatchProposed

    def confirmed(sector, region, scheme):
        opp = opportunity(sector, region, 10)
        return journey(scheme, opp, [(MatchProposed, 1), (PlacementConfirmed, 3)])

    def matched(sector, region, scheme):
        return journey(scheme, opportunity(sector, region, 10), [(MatchProposed, 1)])

    groups = (
        [confirmed(Sector.CLEAN_ENERGY, UKRegion.NORTH_WEST, Scheme.INDUSTRY)
         for _ in range(6)]
        + [confirmed(Sector.LIFE_SCIENCES, UKRegion.LONDON, Scheme.GOVERNMENT)
           for _ in range(3)]
        + [confirmed(Sector.DEFENCE, UKRegion.WALES, Scheme.INDUSTRY) for _ in range(2)]
        + [matched(Sector.DEFENCE, UKRegion.WALES, Scheme.INDUSTRY) for _ in range(3)])
    events = [e for g in groups for e in g]
    await publish_events(service, *events)
    await wait_logged(service, *events)
    hr = service.auth("hr-1", "hr")

    rows = (await service.client.get("/open-data.json", headers=hr)).json()["rows"]
    assert rows == [
        {"sector": "clean_energy", "region": "North West", "scheme": "industry",
         "applications": 6, "placements_confirmed": 6, "placements_completed": None},
        {"sector": "defence", "region": "Wales", "scheme": "industry",
         "applications": 5, "placements_confirmed": None, "placements_completed": None},
    ]  # life sciences / London / government (3) is hidden entirely
    csv = (await service.client.get("/open-data.csv", headers=hr)).text.splitlines()
    assert csv == ["sector,region,scheme,applications,placements_confirmed,placements_completed",
                   "clean_energy,North West,industry,6,6,[c]",
                   "defence,Wales,industry,5,[c],[c]"]
    assert all(not any(isinstance(v, int) and v < 5 for v in r.values()) for r in rows)
