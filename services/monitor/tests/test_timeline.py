import uuid
from datetime import UTC, datetime, timedelta

from contracts import (
    ApprovalGranted,
    ApprovalStageOpened,
    MatchProposed,
    PlacementConfirmed,
    PlacementEnded,
)

from .conftest import next_event, publish_events, submitted, wait_logged

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_timeline_tells_the_story_in_order_with_actors_and_durations(service, hr):
    first = submitted(at=T0)
    placement_id = uuid.uuid4()
    later = [
        next_event(MatchProposed, first, at=T0 + timedelta(hours=1)),
        next_event(ApprovalStageOpened, first, at=T0 + timedelta(hours=1, minutes=1)),
        next_event(ApprovalGranted, first, at=T0 + timedelta(days=2), decided_by="manager-7"),
        next_event(PlacementConfirmed, first, at=T0 + timedelta(days=3),
                   placement_id=placement_id),
        next_event(PlacementEnded, first, at=T0 + timedelta(days=200),
                   placement_id=placement_id, ended_by="host-user-3"),
    ]
    # Topics are read independently: publish the story out of order.
    await publish_events(service, *reversed(later), first)
    await wait_logged(service, first, *later)

    response = await service.client.get(f"/timeline/{first.application_id}", headers=hr)
    assert response.status_code == 200
    body = response.json()
    steps = body["steps"]
    assert [s["event_type"] for s in steps] == [
        "ApplicationSubmitted", "MatchProposed", "ApprovalStageOpened", "ApprovalGranted",
        "PlacementConfirmed", "PlacementEnded"]
    assert [s["actor"] for s in steps] == [
        first.applicant_id, "matching", "approval", "manager-7", "approval", "host-user-3"]
    assert [s["since_previous_seconds"] for s in steps] == [
        None, 3600, 60, 2 * 86400 - 3660, 86400, 197 * 86400]
    assert body["total_seconds"] == 200 * 86400
    assert "granted by manager-7" in steps[3]["summary"]

    by_placement = await service.client.get(f"/timeline/{placement_id}", headers=hr)
    assert by_placement.json()["application_id"] == str(first.application_id)


async def test_an_unknown_timeline_is_a_404_naming_the_id(service, hr):
    missing = uuid.uuid4()
    response = await service.client.get(f"/timeline/{missing}", headers=hr)
    assert response.status_code == 404 and str(missing) in response.json()["detail"]
    bad = await service.client.get("/timeline/not-a-uuid", headers=hr)
    assert bad.status_code == 422
