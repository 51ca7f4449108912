"""Each scheme's chain walked to PlacementConfirmed, and refused at each stage in turn."""

import pytest
from approval.domain import chain_for

from contracts import Scheme

from .conftest import decide, open_stage, proposal, propose

SCHEMES = [Scheme.INDUSTRY, Scheme.GOVERNMENT, Scheme.DIPLOMATIC]


def of_application(p):
    return lambda e: getattr(e, "application_id", None) == p.application_id


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_every_stage_granted_confirms_a_placement_with_its_dates(service, reader, scheme):
    p = proposal(scheme)
    await propose(service, p)
    walked = []
    for _ in chain_for(p.scheme, p.clearance_needed, p.clearance_held):
        stage = await open_stage(service, p.application_id)
        walked.append(stage["stage"])
        r = await decide(service, stage, "accept" if "acceptance" in stage["stage"] else "grant")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "granted"
    assert tuple(walked) == chain_for(p.scheme, p.clearance_needed, p.clearance_held)

    confirmed = await reader.wait_for_event("PlacementConfirmed", where=of_application(p))
    assert (confirmed.start_date.isoformat(), confirmed.end_date.isoformat()) == (
        "2027-01-04", "2027-07-04")
    assert (confirmed.applicant_id, confirmed.host_org_id) == (p.applicant_id, p.host_org_id)
    def types(_=None):
        return [e.event_type for e in reader.events() if of_application(p)(e)]

    await reader.wait_for(lambda _: types().count("ApprovalGranted") == len(walked))
    types = types()
    assert types.count("ApprovalStageOpened") == len(walked)
    assert types.count("ApprovalGranted") == len(walked)
    assert types.index("PlacementApproved") < types.index("PlacementConfirmed")
    assert confirmed.correlation_id == p.correlation_id


def test_the_government_walk_includes_vetting_because_the_post_needs_more_clearance():
    p = proposal(Scheme.GOVERNMENT)
    assert "security_vetting" in chain_for(p.scheme, p.clearance_needed, p.clearance_held)


@pytest.mark.parametrize("scheme", SCHEMES)
async def test_a_refusal_at_any_stage_rejects_the_placement_naming_that_stage(
        service, reader, scheme):
    chain = chain_for(*(lambda p: (p.scheme, p.clearance_needed, p.clearance_held))(
        proposal(scheme)))
    cases = [proposal(scheme) for _ in chain]
    for p in cases:
        await propose(service, p)
    for refuse_at, p in enumerate(cases):
        for position in range(refuse_at + 1):
            stage = await open_stage(service, p.application_id)
            assert stage["stage"] == chain[position]
            if position < refuse_at:
                assert (await decide(service, stage)).status_code == 200
        r = await decide(service, stage, "refuse", reason=f"not now ({stage['stage']})")
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["case_status"]) == ("refused", "rejected")

    for refuse_at, p in enumerate(cases):
        rejected = await reader.wait_for_event("PlacementRejected", where=of_application(p))
        host_stage = "acceptance" in chain[refuse_at] or chain[refuse_at] == "host_department"
        assert rejected.stage == chain[refuse_at]
        assert rejected.reason == ("declined" if host_stage else "refused")
        assert rejected.detail == f"not now ({chain[refuse_at]})"
        assert not any(e.event_type == "PlacementConfirmed" and of_application(p)(e)
                       for e in reader.events())
