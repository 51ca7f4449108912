"""Applicants' rank order lists: PUT/GET /applications/{id}/ranking, on the real database."""

import uuid
from datetime import UTC, datetime, timedelta

from .matching_support import unique_org
from .ranking_support import as_applicant, opportunities, rank, waiting_applicants


async def test_an_applicant_ranks_open_opportunities_and_reads_the_list_back(cohort):
    first, second = await opportunities(cohort, unique_org(), 2)
    [app] = await waiting_applicants(cohort, 1)
    response = await rank(cohort, app, [second, first])
    assert response.status_code == 200, response.text
    assert response.json()["opportunity_ids"] == [second, first]
    assert response.json()["limit"] == 10
    again = await cohort.client.get(f"/applications/{app.application_id}/ranking",
                                    headers=as_applicant(cohort, app))
    assert again.json()["opportunity_ids"] == [second, first]
    # a new list replaces the old one
    assert (await rank(cohort, app, [first])).json()["opportunity_ids"] == [first]


async def test_a_bad_rank_list_is_refused_naming_the_entry_and_the_rule(cohort):
    org = unique_org()
    first, second = await opportunities(cohort, org, 2)
    [app] = await waiting_applicants(cohort, 1)
    unknown = str(uuid.uuid4())
    response = await rank(cohort, app, [first, unknown])
    assert response.status_code == 422
    assert response.json()["field"] == "opportunity_ids.1" and unknown in response.json()["detail"]
    twice = await rank(cohort, app, [first, second, first])
    assert twice.status_code == 422 and twice.json()["field"] == "opportunity_ids.2"
    assert "already ranked at position 1" in twice.json()["detail"]
    too_many = await rank(cohort, app, [str(uuid.uuid4()) for _ in range(11)])
    assert too_many.status_code == 422 and too_many.json()["field"] == "opportunity_ids.10"
    assert "at most 10" in too_many.json()["detail"]
    closed = await cohort.client.post(f"/opportunities/{second}/close",
                                      headers=cohort.auth(f"user-{org}", "host", org=org))
    assert closed.status_code == 200
    response = await rank(cohort, app, [first, second])
    assert response.status_code == 422 and response.json()["field"] == "opportunity_ids.1"
    assert "is closed" in response.json()["detail"]
    government = (await opportunities(cohort, org, 1, scheme="government", grade_min=None,
                                      grade_max=None))[0]
    response = await rank(cohort, app, [government])
    assert response.status_code == 422 and "government scheme" in response.json()["detail"]


async def test_only_the_applicant_may_rank_their_own_application(cohort):
    [opportunity] = await opportunities(cohort, unique_org(), 1)
    [app] = await waiting_applicants(cohort, 1)
    path = f"/applications/{app.application_id}/ranking"
    body = {"opportunity_ids": [opportunity]}
    intruder = await cohort.client.put(path, json=body,
                                       headers=cohort.auth("someone-else", "applicant"))
    assert intruder.status_code == 404
    host = await cohort.client.put(path, json=body, headers=cohort.auth("h", "host", org="o"))
    assert host.status_code == 403
    extra = await cohort.client.put(path, json={**body, "score": 1},
                                    headers=as_applicant(cohort, app))
    assert extra.status_code == 422 and extra.json()["field"] == "score"


async def test_a_rank_after_the_rounds_deadline_is_refused_saying_when_it_closed(cohort):
    [opportunity] = await opportunities(cohort, unique_org(), 1)
    [app] = await waiting_applicants(cohort, 1)
    deadline = datetime.now(UTC) + timedelta(days=1)
    hr = cohort.auth("boss", "hr")
    opened = await cohort.client.post("/rounds", headers=hr,
                                      json={"ranking_deadline": deadline.isoformat()})
    assert opened.status_code == 201 and opened.json()["status"] == "ranking"
    assert (await rank(cohort, app, [opportunity])).json()["ranking_deadline"] is not None
    early = await cohort.client.post("/rounds", headers=hr)
    assert early.status_code == 409 and "open for ranking until" in early.json()["detail"]
    # The deadline passes (moved into the past rather than waited for).
    closed_at = await cohort.runtime.pool.fetchval(
        "UPDATE rounds SET ranking_deadline = now() - interval '1 minute'"
        " WHERE status = 'ranking' RETURNING ranking_deadline")
    late = await rank(cohort, app, [opportunity])
    assert late.status_code == 409, late.text
    assert closed_at.isoformat() in late.json()["detail"]
    ran = await cohort.client.post("/rounds", headers=hr)  # runs the round opened before
    assert ran.status_code == 200 and ran.json()["round_id"] == opened.json()["round_id"]
    assert ran.json()["status"] == "matched" and ran.json()["report"]["matched"] == 1
    # ranking is open again for the next round
    assert (await rank(cohort, app, [opportunity])).status_code == 200
