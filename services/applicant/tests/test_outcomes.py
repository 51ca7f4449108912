"""Outcome measurement on the real database and broker: the baseline at application, and the
6- and 12-month follow-ups of placed and comparison-group applicants, driven by moving the
follow-up timers' clock (never by sleeping)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from applicant.outcome_rules import LAPSE_DAYS, REMINDER_DAYS, at_send_time
from applicant.outcome_timers import FollowUpPoller
from dateutil.relativedelta import relativedelta
from testkit.harness.events import eventually

from contracts import events as ev

from .conftest import apply, as_applicant, make_profile, send
from .test_status import about, timeline_has

BASELINE = {"skills_confidence": {"commercial_awareness": 2, "working_across_sectors": 3,
                                  "leading_change": 1}, "intention": "undecided"}
MANCHESTER = {"itl1": "North West", "itl2": "TLD3", "basis": "home"}
ANSWERS = {"skills_confidence": {"commercial_awareness": 4, "working_across_sectors": 4,
                                 "leading_change": 3},
           "intention": "stay_in_sector", "situation": "same_organisation_new_role"}


async def consenting(svc, consent: bool = True) -> tuple[str, dict]:
    sub = await make_profile(svc)
    r = await apply(svc, sub, home_region=MANCHESTER, baseline=BASELINE,
                    follow_up_consent=consent)
    assert r.status_code == 201, r.text
    return sub, r.json()


async def follow_ups(svc, sub: str, count: int) -> list[dict]:
    async def listed():
        r = await svc.client.get("/follow-ups", headers=as_applicant(svc, sub))
        assert r.status_code == 200, r.text
        return (r.json(),) if len(r.json()) == count else None

    (found,) = await eventually(listed, timeout=20)
    return found


def poller(svc) -> FollowUpPoller:
    return FollowUpPoller(svc.runtime.use_cases.outcomes, poll_seconds=3600)


async def answer(svc, sub: str, follow_up: dict, body: dict = ANSWERS):
    return await svc.client.post(f"/follow-ups/{follow_up['id']}/answers", json=body,
                                 headers=as_applicant(svc, sub))


async def test_the_baseline_consent_and_home_region_travel_with_the_application(service,
                                                                               reader):
    sub, app = await consenting(service)
    assert (app["home_region"], app["baseline"], app["follow_up_consent"]) == (
        MANCHESTER, BASELINE, True)
    event = await reader.wait_for_event(
        "ApplicationSubmitted", where=lambda e: str(e.application_id) == app["id"])
    assert event.schema_version == 2 and event.follow_up_consent is True
    assert str(event.home_region.itl2) == "TLD3" and event.baseline.intention == "undecided"


@pytest.mark.parametrize(("field", "value", "named"), [
    ("home_region", {"itl1": "London", "itl2": "TLD3"}, "home_region"),
    ("home_region", {"itl1": "Greater Manchester"}, "home_region.itl1"),
    ("baseline", {**BASELINE, "skills_confidence": {**BASELINE["skills_confidence"],
                                                     "leading_change": 6}},
     "baseline.skills_confidence.leading_change"),
    ("follow_up_consent", "perhaps", "follow_up_consent"),
])
async def test_a_bad_outcome_field_is_refused_naming_it(service, field, value, named):
    sub = await make_profile(service)
    r = await apply(service, sub, **{field: value})
    assert r.status_code == 422, r.text
    assert named in r.text


def left(app: dict, how: str):
    """The event by which the application leaves the scheme, and the day it is timed from."""
    if how == "placed":
        event = about(app, ev.PlacementEnded)
        return event, event.ended_on
    event = {"refused": about(app, ev.PlacementRejected, reason="refused"),
             "unmatched": about(app, ev.NoMatchFound)}[how]
    return event, event.occurred_at.date()


@pytest.mark.parametrize("how", ["placed", "refused", "unmatched", "withdrawn"])
async def test_both_follow_ups_are_asked_reminded_answered_or_lapsed(service, reader, how):
    sub, app = await consenting(service)
    if how == "withdrawn":
        r = await service.client.post(f"/applications/{app['id']}/withdraw",
                                      headers=as_applicant(service, sub))
        assert r.status_code == 200, r.text
        left_on = datetime.now(UTC).date()
    else:
        event, left_on = left(app, how)
        await send(service, event)
    six, twelve = await follow_ups(service, sub, 2)
    assert (six["kind"], twelve["kind"]) == (6, 12)
    assert six["cohort"] == ("placed" if how == "placed" else "comparison")
    assert six["due_on"] == (left_on + relativedelta(months=6)).isoformat()
    assert not six["asked"]
    mine = lambda e: str(e.application_id) == app["id"]  # noqa: E731

    # Six months on: the invitation; answered once, and the second answer is told so.
    assert await poller(service).fire_due(at_send_time(date.fromisoformat(six["due_on"]))) >= 1
    due = await reader.wait_for_event("FollowUpDue", where=mine)
    assert (due.kind, due.attempt, str(due.cohort)) == (6, 1, six["cohort"])
    r = await answer(service, sub, six)
    assert r.status_code == 200 and r.json()["state"] == "answered", r.text
    recorded = await reader.wait_for_event("OutcomeRecorded", where=mine)
    assert recorded.answers.situation == "same_organisation_new_role"
    assert str(recorded.home_region.itl2) == "TLD3"
    again = await answer(service, sub, six, {**ANSWERS, "intention": "move_sector"})
    assert again.status_code == 409 and "already answered" in again.json()["detail"]

    # Twelve months on: the invitation, two reminders, then the lapse.
    twelve_due = date.fromisoformat(twelve["due_on"])
    for days in (0, *REMINDER_DAYS, LAPSE_DAYS):
        await poller(service).fire_due(at_send_time(twelve_due + timedelta(days=days)))
    lapsed = await reader.wait_for_event("FollowUpLapsed", where=mine)
    assert (lapsed.kind, lapsed.attempts) == (12, 3)
    attempts = sorted(e.attempt for e in reader.events()
                      if e.event_type == "FollowUpDue" and mine(e) and e.kind == 12)
    assert attempts == [1, 2, 3]
    late = await answer(service, sub, twelve)
    assert late.status_code == 409 and "closed unanswered" in late.json()["detail"]


async def test_an_applicant_who_did_not_consent_is_never_followed_up(service):
    sub, app = await consenting(service, consent=False)
    await send(service, about(app, ev.PlacementEnded))
    await timeline_has(service, sub, app, 2)
    r = await service.client.get("/follow-ups", headers=as_applicant(service, sub))
    assert r.json() == []


async def test_going_back_into_the_process_stops_the_comparison_follow_ups(service):
    sub, app = await consenting(service)
    await send(service, about(app, ev.NoMatchFound))
    await follow_ups(service, sub, 2)
    await send(service, about(app, ev.MatchProposed), about(app, ev.PlacementStarted))
    assert await follow_ups(service, sub, 0) == []


async def test_a_proposal_crossing_a_withdrawal_leaves_its_follow_ups_in_place(service):
    sub, app = await consenting(service)
    r = await service.client.post(f"/applications/{app['id']}/withdraw",
                                  headers=as_applicant(service, sub))
    assert r.status_code == 200, r.text
    await follow_ups(service, sub, 2)
    await send(service, about(app, ev.MatchProposed))
    await timeline_has(service, sub, app, 3)
    kept = await follow_ups(service, sub, 2)
    assert {f["left_because"] for f in kept} == {"withdrawn"}


async def test_after_erasure_a_follow_up_is_refused_and_nothing_is_recreated(service):
    sub, app = await consenting(service)
    ended = about(app, ev.PlacementEnded)
    await send(service, ended)
    six, _ = await follow_ups(service, sub, 2)
    await poller(service).fire_due(at_send_time(date.fromisoformat(six["due_on"])))
    r = await service.client.delete("/applicants/me", headers=as_applicant(service, sub))
    assert r.status_code == 204, r.text

    refused = await answer(service, sub, six)
    assert refused.status_code == 410 and "erased" in refused.json()["detail"]
    assert (await service.client.get(f"/follow-ups/{six['id']}",
                                     headers=as_applicant(service, sub))).status_code == 410
    # A late event about the erased applicant's placement schedules nothing again.
    later = ended.ended_on + timedelta(days=1)
    await send(service, about(app, ev.PlacementEnded, ended_on=later))
    await timeline_has(service, sub, app, 3)
    far = at_send_time(ended.ended_on + relativedelta(years=3))
    await poller(service).fire_due(far)  # other tests' follow-ups may fire; never these
    async with service.runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT kind, state, attempts, answers FROM follow_ups"
                                " WHERE application_id = $1", app["id"])
    assert sorted(tuple(r) for r in rows) == [(6, "erased", 1, None), (12, "erased", 0, None)]
