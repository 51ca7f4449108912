"""Three feedbacks on an ended placement, each from its own party (the placee, the host, the
releasing employer), once each; the answers go out as PlacementFeedbackGiven without the free
text, which the applicant's erasure clears."""

import json

import pytest
from contracts.examples import example
from testkit.harness.events import eventually

from contracts import ApplicantErased, Scheme

from .conftest import HR, host, months_from_today, read_all, running_placement, utc_today

ANSWERS = {"overall": 5, "objectives_met": 4, "skills_value": 3, "would_recommend": True}


def employer(svc, p, org=None):
    """The releasing employer: role employer of the organisation the application names."""
    return svc.auth("sponsor-1", "employer", org=org or p.organisation_id)


def placee(svc, p):
    return svc.auth(p.applicant_id, "applicant")


async def ended_placement(svc, reader, scheme=Scheme.INDUSTRY):
    p, confirmed = await running_placement(svc, reader, months_from_today(-1), 3, scheme)
    url = f"/placements/{confirmed.placement_id}"
    r = await svc.client.post(f"{url}/end", headers=host(svc, p), json={
        "outcome": "ended_early", "reason": "the team moved", "ended_on": str(utc_today())})
    assert r.status_code == 200, r.text
    return p, url


async def give(svc, url, headers, comments=None, **answers):
    body = {**ANSWERS, **answers, **({"comments": comments} if comments else {})}
    return await svc.client.post(f"{url}/feedback", json=body, headers=headers)


async def test_the_placee_the_host_and_the_releasing_employer_each_give_their_own_once(
        service, reader):
    p, confirmed = await running_placement(service, reader, months_from_today(-1), 3,
                                           Scheme.GOVERNMENT)
    url = f"/placements/{confirmed.placement_id}"
    r = await give(service, url, host(service, p))
    assert r.status_code == 409 and "once the placement has ended" in r.json()["detail"]
    r = await service.client.post(f"{url}/end", headers=host(service, p),
                                  json={"outcome": "completed"})
    assert r.status_code == 200, r.text

    words = {"placee": "I learnt how policy is made", "host": "He sharpened our costings",
             "releasing_employer": "He came back with a network"}
    for side, headers in (("placee", placee(service, p)), ("host", host(service, p)),
                          ("releasing_employer", employer(service, p))):
        r = await give(service, url, headers, comments=words[side], overall=4)
        assert r.status_code == 201, r.text
        assert (r.json()["party"], r.json()["comments"]) == (side, words[side])

    r = await give(service, url, host(service, p), overall=1)
    assert r.status_code == 409 and r.json()["field"] == "party"
    assert "feedback from the host was already given by host-user" in r.json()["detail"]
    r = await service.client.get(url, headers=employer(service, p))
    assert r.json()["feedback_given"] == ["host", "placee", "releasing_employer"]
    mine = (await service.client.get(f"{url}/feedback", headers=host(service, p))).json()
    assert [(f["party"], f["overall"]) for f in mine] == [("host", 4)]  # the first one stands
    every = (await service.client.get(f"{url}/feedback", headers=service.auth(*HR))).json()
    assert sorted(f["party"] for f in every) == sorted(words)

    def ours(events):
        return [e for e in events if e.event_type == "PlacementFeedbackGiven"
                and e.application_id == p.application_id]

    await reader.wait_for(lambda _: len(ours(reader.events())) == 3)
    records = await read_all(service.settings.kafka_bootstrap_servers,
                             service.settings.topic("placements"))
    assert sorted(e.party.value for e in ours(records)) == sorted(words)
    assert all(e.answers.overall == 4 for e in ours(records))
    # The free text never reaches the stream, in any record of the topic.
    raw = b"".join(r.value for r in reader.records)
    assert not any(text.encode() in raw for text in words.values())


async def test_others_cannot_give_feedback_and_the_employer_only_sees_its_own(service, reader):
    p, url = await ended_placement(service, reader)
    for outsider in (service.auth("someone-else", "applicant"),
                     service.auth("host-2", "host", org="org-other"),
                     employer(service, p, org="dept-other")):
        assert (await give(service, url, outsider)).status_code == 404
    for wrong_role in (service.auth(*HR), service.auth("ethics-1", "ethics")):
        assert (await give(service, url, wrong_role)).status_code == 403
    # Departmental HR of the applicant's own department sees it but gives no feedback.
    r = await give(service, url, service.auth("hr-dbt", "hr", "host", org=p.organisation_id))
    assert r.status_code == 403 and "HR does not give" in r.json()["detail"]

    listed = await service.client.get("/placements", headers=employer(service, p),
                                      params={"application_id": str(p.application_id)})
    assert [x["id"] for x in listed.json()] == [url.rsplit("/", 1)[1]]
    other = await service.client.get("/placements", headers=employer(service, p, "dept-other"),
                                     params={"application_id": str(p.application_id)})
    assert other.status_code == 200 and other.json() == []
    r = await service.client.post(f"{url}/extend", headers=employer(service, p),
                                  json={"new_end_date": str(months_from_today(6))})
    assert r.status_code == 403


@pytest.mark.parametrize(("body", "field"), [
    ({**ANSWERS, "overall": 6}, "overall"),
    ({k: v for k, v in ANSWERS.items() if k != "would_recommend"}, "would_recommend"),
    ({**ANSWERS, "comments": "x" * 2001}, "comments"),
], ids=["rating-above-5", "no-recommend-answer", "comments-too-long"])
async def test_bad_feedback_is_a_422_naming_the_field(service, reader, body, field):
    p, url = await ended_placement(service, reader)
    r = await service.client.post(f"{url}/feedback", json=body, headers=placee(service, p))
    assert r.status_code == 422 and field in json.dumps(r.json()), r.text


async def test_the_applicants_erasure_clears_every_partys_comments_and_stops_new_feedback(
        service, reader):
    p, url = await ended_placement(service, reader)
    assert (await give(service, url, placee(service, p), comments="mine")).status_code == 201
    assert (await give(service, url, host(service, p), comments="about her")).status_code == 201
    await service.publish(example(ApplicantErased, applicant_id=p.applicant_id))

    async def cleared():
        r = await service.client.get(f"{url}/feedback", headers=service.auth(*HR))
        return all(f["comments"] is None for f in r.json()) and r.json()
    left = await eventually(cleared)
    assert sorted((f["party"], f["overall"]) for f in left) == [("host", 5), ("placee", 5)]
    r = await give(service, url, employer(service, p), comments="he did well")
    assert r.status_code == 409 and "erased" in r.json()["detail"]
