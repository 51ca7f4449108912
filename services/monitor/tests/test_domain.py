"""Pure rules on plain data: no broker, no database."""

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from monitor.domain import (
    OUTSIDE_UK,
    LoggedEvent,
    actor_of,
    dimensions,
    next_status,
    summary_of,
    timeline,
)
from monitor.kpis import OPEN_DATA_MEASURES, compute_kpis, journeys, open_data, percentile

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ev(seq, event_type, day, app, **payload) -> LoggedEvent:
    return LoggedEvent(seq=seq, event_type=event_type, occurred_at=T0 + timedelta(days=day),
                       payload=payload, application_id=app, scheme=payload.get("scheme"),
                       sector=payload.get("sector"), region=payload.get("region"))


def test_a_placement_abroad_counts_as_outside_the_uk():
    assert dimensions({"scheme": "diplomatic", "sector": "defence", "country": "FR"}).region \
        == OUTSIDE_UK
    assert dimensions({"country": "GB", "region": "Wales"}).region == "Wales"
    assert dimensions({"host_sector": "life_sciences"}).sector == "life_sciences"


def test_the_actor_is_the_person_who_decided_else_the_producer():
    assert actor_of("ApprovalGranted", {"decided_by": "m-1", "producer": "approval"}) == "m-1"
    assert actor_of("ApplicationSubmitted", {"applicant_id": "a-1"}) == "a-1"
    assert actor_of("ApprovalEscalated", {"producer": "approval"}) == "approval (SLA timer)"
    assert actor_of("MatchProposed", {"producer": "matching"}) == "matching"


def test_a_withdrawn_application_stays_withdrawn_whatever_follows():
    assert next_status("in_approval", "ApplicationWithdrawn") == "withdrawn"
    assert next_status("withdrawn", "PlacementRejected") == "withdrawn"
    assert next_status("rejected", "MatchProposed") == "matched"
    assert next_status("matched", "NotificationDelivered") == "matched"


def test_every_event_type_has_a_readable_summary():
    from contracts.examples import example

    from contracts import EVENT_TYPES

    for name, cls in EVENT_TYPES.items():
        text = summary_of(name, example(cls).to_dict())
        # Its own line: the bare type name is only the fallback for an event not yet known.
        assert text != name and "None" not in text.split(":")[0], (name, text)


def test_a_timeline_orders_by_occurrence_and_measures_gaps():
    app = uuid.uuid4()
    steps = timeline([ev(3, "ApprovalGranted", 2.5, app, decided_by="m"),
                      ev(1, "ApplicationSubmitted", 0, app), ev(2, "MatchProposed", 1, app)])
    assert [s.event_type for s in steps] == ["ApplicationSubmitted", "MatchProposed",
                                             "ApprovalGranted"]
    assert [s.since_previous_seconds for s in steps] == [None, 86400, 1.5 * 86400]
    assert steps[-1].since_start_seconds == 2.5 * 86400


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([2, 4, 10], 0.5) == 4
    assert abs(percentile([2, 4, 10], 0.9) - 8.8) < 1e-9
    assert percentile([1, 2, 3, 4], 0.5) == 2.5


def test_an_escalation_stays_open_until_its_stage_is_decided():
    app, case = uuid.uuid4(), str(uuid.uuid4())
    opened = [ev(1, "ApplicationSubmitted", 0, app, scheme="industry"),
              ev(2, "ApprovalEscalated", 5, app, case_id=case, stage="line_manager",
                 due_at=(T0 + timedelta(days=4)).isoformat())]
    k = compute_kpis(opened, [], now=T0 + timedelta(days=6))
    [breach] = k["open_sla_breaches"]
    assert breach["overdue_seconds"] == 2 * 86400
    decided = [*opened, ev(3, "ApprovalGranted", 6, app, case_id=case, stage="line_manager")]
    assert compute_kpis(decided, [], now=T0)["open_sla_breaches"] == []
    other_stage = [*opened, ev(3, "ApprovalGranted", 6, app, case_id=case, stage="ethics")]
    assert len(compute_kpis(other_stage, [], now=T0)["open_sla_breaches"]) == 1


def test_a_journey_takes_the_sector_of_its_latest_match():
    app = uuid.uuid4()
    [j] = journeys([ev(1, "MatchProposed", 1, app, sector="defence", region="Wales"),
                    ev(2, "PlacementRejected", 2, app),
                    ev(3, "MatchProposed", 3, app, sector="life_sciences", region="London")])
    assert (j.sector, j.region, j.status) == ("life_sciences", "London", "matched")


cells = st.tuples(st.sampled_from(["defence", "life_sciences"]),
                  st.sampled_from(["Wales", "London"]),
                  st.sampled_from(["industry", "government"]),
                  st.booleans(), st.booleans())


@given(st.lists(cells, max_size=60), st.integers(min_value=1, max_value=10))
def test_open_data_never_shows_a_count_under_the_threshold(apps, threshold):
    events = []
    for i, (sector, region, scheme, confirmed, completed) in enumerate(apps):
        app = uuid.uuid4()
        events.append(ev(3 * i, "MatchProposed", 1, app, sector=sector, region=region,
                         scheme=scheme))
        if confirmed:
            events.append(ev(3 * i + 1, "PlacementConfirmed", 2, app))
            if completed:
                events.append(ev(3 * i + 2, "PlacementEnded", 3, app, outcome="completed"))
    rows = open_data(events, threshold)
    shown = [r[m] for r in rows for m in OPEN_DATA_MEASURES if r[m] is not None]
    assert all(v >= threshold for v in shown)
    assert all(any(r[m] is not None for m in OPEN_DATA_MEASURES) for r in rows)
    visible_apps = sum(r["applications"] or 0 for r in rows)
    assert visible_apps <= len(apps)
