"""One proposed candidate for its host (GET /proposals/{match_id}), and the placement it became,
on the real broker and database."""

import uuid

from contracts.examples import example
from testkit.harness.events import eventually

from contracts import PlacementConfirmed

from .matching_support import application, post_opportunity, send, unique_org


async def test_a_host_reads_its_own_proposal_and_then_the_placement_it_became(service, matches):
    org = unique_org()
    opp = await post_opportunity(service, org)
    app = application()
    await send(service, app)
    proposed = await matches.wait_for_event(
        "MatchProposed", where=lambda e: e.application_id == app.application_id)
    path = f"/proposals/{proposed.match_id}"
    owner = service.auth("o", "host", org=org)
    mine = await service.client.get(path, headers=owner)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["application_id"] == str(app.application_id)
    assert body["opportunity_id"] == opp["opportunity_id"]
    assert body["explanation"]["factors"] and body["placement_id"] is None
    # Another host organisation, an applicant, an unknown id: nothing to probe.
    other = service.auth("x", "host", org=unique_org())
    assert (await service.client.get(path, headers=other)).status_code == 404
    assert (await service.client.get(path, headers=service.auth("a", "applicant"))
            ).status_code == 403
    assert (await service.client.get(f"/proposals/{uuid.uuid4()}", headers=owner)
            ).status_code == 404
    placement_id = uuid.uuid4()
    await send(service, example(
        PlacementConfirmed, placement_id=placement_id, application_id=app.application_id,
        match_id=proposed.match_id, opportunity_id=proposed.opportunity_id,
        applicant_id=app.applicant_id, correlation_id=app.correlation_id))

    async def placed() -> bool:
        found = (await service.client.get(path, headers=owner)).json()
        return found["status"] == "confirmed" and found["placement_id"] == str(placement_id)
    await eventually(placed)
    listed = await service.client.get(f"/opportunities/{opp['opportunity_id']}/candidates",
                                      headers=owner)
    assert [c["placement_id"] for c in listed.json()] == [str(placement_id)]
