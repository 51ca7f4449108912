"""An applicant declines one proposal: POST /my-proposals/{application_id}/decline."""

from testkit.harness.events import TopicReader

from .matching_support import unique_org
from .ranking_support import (
    as_applicant,
    host_rank,
    opportunities,
    proposals,
    rank,
    run_round,
    waiting_applicants,
)


async def _status(svc, app) -> str:
    return await svc.runtime.pool.fetchval(
        "SELECT status FROM applications WHERE application_id = $1", app.application_id)


async def test_a_declined_proposal_frees_its_place_and_the_pair_is_never_proposed_again(cohort):
    org = unique_org()
    first, second = await opportunities(cohort, org, 2)
    ann, bob = await waiting_applicants(cohort, 2)
    for app in (ann, bob):
        await rank(cohort, app, [first, second])
    await host_rank(cohort, org, first, [ann, bob])
    await run_round(cohort)
    assert (await proposals(cohort))[str(ann.application_id)] == first
    path = f"/my-proposals/{ann.application_id}/decline"
    assert (await cohort.client.post(path, headers=cohort.auth("intruder", "applicant"))
            ).status_code == 404
    assert (await cohort.client.post(path, headers=cohort.auth("h", "host", org=org))
            ).status_code == 403
    declined = await cohort.client.post(path, json={"reason": "took another offer"},
                                        headers=as_applicant(cohort, ann))
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "released"
    assert await _status(cohort, ann) == "waiting"  # the application stays live
    held = await cohort.runtime.pool.fetchval(
        "SELECT places_held FROM opportunities WHERE opportunity_id = $1::text::uuid", first)
    assert held == 0  # the place went back
    async with TopicReader(cohort.settings.kafka_bootstrap_servers,
                           cohort.settings.topic("matches")) as reader:
        event = await reader.wait_for_event("MatchDeclined")
    assert event.application_id == ann.application_id and str(event.opportunity_id) == first
    again = await cohort.client.post(path, headers=as_applicant(cohort, ann))
    assert again.status_code == 404  # nothing live left to decline
    # The next round: the freed place goes to someone else, never back to Ann.
    [cat] = await waiting_applicants(cohort, 1)
    await rank(cohort, cat, [first])
    report = (await run_round(cohort))["report"]
    now = await proposals(cohort)
    assert now[str(cat.application_id)] == first
    assert str(ann.application_id) not in now and report["unmatched"] == 1
    pairs = await cohort.runtime.pool.fetchval(
        "SELECT count(*) FROM proposals WHERE application_id = $1", ann.application_id)
    assert pairs == 1


async def test_in_continuous_mode_a_decline_moves_the_application_to_its_next_best(service,
                                                                                 matches):
    org = unique_org()
    [best] = await opportunities(service, org, 1)  # in the applicant's chosen sector
    [next_best] = await opportunities(service, org, 1, sector="defence")
    [ann] = await waiting_applicants(service, 1)
    first = await matches.wait_for_event(
        "MatchProposed", where=lambda e: e.application_id == ann.application_id)
    assert str(first.opportunity_id) == best
    declined = await service.client.post(f"/my-proposals/{ann.application_id}/decline",
                                         headers=as_applicant(service, ann))
    assert declined.status_code == 200, declined.text
    moved = await matches.wait_for_event(
        "MatchProposed", where=lambda e: e.application_id == ann.application_id
        and e.match_id != first.match_id)
    assert str(moved.opportunity_id) == next_best
