"""Clearing honours the stored targets the way a round does: on the real broker and database,
a target that binds moves the clearing's proposal into its group; one that does not bind
leaves the proposal as it is with no target at all."""

from datetime import UTC, datetime, timedelta

import pytest
from testkit.harness.events import eventually

from .matching_support import unique_org
from .ranking_support import opportunities, proposals, rank, waiting_applicants

HR = ("boss", "hr")


async def _match_day(svc) -> None:
    await svc.runtime.pool.execute(
        "UPDATE rounds SET ranking_deadline = now() - interval '2 seconds',"
        " match_at = now() - interval '1 second' WHERE status = 'ranking'")


@pytest.mark.parametrize(("targets", "lands_in"), [
    ([], "London"),
    ([{"dimension": "sector", "value": "clean_energy", "share": 0.5}], "London"),
    ([{"dimension": "region", "value": "North West", "share": 0.5}], "North West"),
], ids=["no target", "a target that does not bind", "a target that binds"])
async def test_clearing_proposes_into_a_short_target_group_and_leaves_the_rest_alone(
        timetabled, targets, lands_in):
    svc = timetabled
    org = unique_org()
    # The applicant wants London: left to itself clearing offers the London place.
    [london] = await opportunities(svc, org, 1, region="London")
    [north_west] = await opportunities(svc, org, 1, region="North West")
    [ann] = await waiting_applicants(svc, 1, preferred_regions=("London",),
                                     preferred_countries=())
    stored = await svc.client.put("/targets", headers=svc.auth(*HR),
                                  json={"minimum_shares": targets})
    assert stored.status_code == 200, stored.text
    now = datetime.now(UTC)
    opened = await svc.client.post("/rounds", headers=svc.auth(*HR), json={
        "ranking_deadline": (now + timedelta(days=1)).isoformat(),
        "match_at": (now + timedelta(days=2)).isoformat()})
    assert opened.status_code == 201, opened.text
    # An empty list: the round itself matches nobody, so clearing decides where Ann goes.
    assert (await rank(svc, ann, [])).status_code == 200
    await _match_day(svc)

    async def cleared() -> bool:
        return bool(await proposals(svc))

    await eventually(cleared, timeout=60)
    expected = london if lands_in == "London" else north_west
    assert await proposals(svc) == {str(ann.application_id): expected}
    round_ = (await svc.client.get(f"/rounds/{opened.json()['round_id']}",
                                   headers=svc.auth(*HR))).json()
    assert round_["report"]["matched"] == 0 and round_["clearing_from"] is not None
