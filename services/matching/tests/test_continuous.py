import uuid

from testkit.harness.events import eventually

from contracts import Scheme, Sector

from .matching_support import (
    application,
    post_opportunity,
    rejection,
    send,
    unique_org,
    withdrawal,
)


def for_app(app):
    return lambda e: getattr(e, "application_id", None) == app.application_id


async def places_held(service, opportunity_id) -> int:
    return await service.runtime.pool.fetchval(
        "SELECT places_held FROM opportunities WHERE opportunity_id = $1",
        uuid.UUID(opportunity_id))


async def test_an_application_gets_its_best_proposal_with_an_explanation(service, matches):
    org = unique_org()
    best = await post_opportunity(service, org, sector="clean_energy")
    await post_opportunity(service, org, sector="defence", required_skills=["cyber"])
    app = application()
    await send(service, app)
    proposed = await matches.wait_for_event("MatchProposed", where=for_app(app))
    assert str(proposed.opportunity_id) == best["opportunity_id"]
    assert proposed.causation_id == app.event_id and proposed.correlation_id == app.correlation_id
    factors = {f.name: f for f in proposed.explanation.factors}
    assert set(factors) == {"skills", "sector", "location", "grade", "start"}
    assert abs(sum(f.contribution for f in factors.values()) - proposed.score) < 1e-5
    checked = {c.name for c in proposed.explanation.filters_checked}
    assert {"scheme", "applicant_kind", "conflict_of_interest", "clearance", "availability",
            "length", "capacity"} <= checked
    assert all(c.passed for c in proposed.explanation.filters_checked)
    response = await service.client.get(f"/opportunities/{best['opportunity_id']}/candidates",
                                        headers=service.auth("h", "host", org=org))
    [candidate] = response.json()
    assert candidate["application_id"] == str(app.application_id)
    assert candidate["explanation"]["factors"][0]["name"] == "skills"
    assert await places_held(service, best["opportunity_id"]) == 1


async def test_an_application_nothing_fits_gets_no_match_with_reasons(service, matches):
    org = unique_org()
    await post_opportunity(service, org, clearance_needed="DV", sector="defence")
    app = application(sectors=(Sector.DEFENCE,), clearance_held="BPSS",
                      declared_interests=({"organisation_id": org, "kind": "procurement"},))
    await send(service, app)
    missed = await matches.wait_for_event("NoMatchFound", where=for_app(app))
    assert any("conflict_of_interest" in r for r in missed.reasons)


async def test_a_declared_interest_in_the_host_blocks_the_match(service, matches):
    org = unique_org()
    await post_opportunity(service, org, host_name="Blocked Holdings", scheme="government",
                           clearance_needed="none", grade_min=None, grade_max=None)
    app = application(scheme=Scheme.GOVERNMENT, applicant_kind="industry_professional",
                      grade=None, declared_interests=(
                          {"organisation_name": "blocked holdings", "kind": "regulation"},))
    await send(service, app)
    missed = await matches.wait_for_event("NoMatchFound", where=for_app(app))
    assert any(r.startswith("conflict_of_interest") for r in missed.reasons)


async def test_a_new_opportunity_is_offered_to_a_waiting_application(service, matches):
    app = application(scheme=Scheme.DIPLOMATIC, applicant_kind="diplomat",
                      preferred_countries=("FR",), preferred_regions=())
    await send(service, app)
    await matches.wait_for_event("NoMatchFound", where=for_app(app))
    opp = await post_opportunity(service, unique_org(), scheme="diplomatic",
                                 host_staff_count=40, country="FR", region=None,
                                 bcc_chamber_id="bcc-france")
    proposed = await matches.wait_for_event("MatchProposed", where=for_app(app))
    assert str(proposed.opportunity_id) == opp["opportunity_id"]
    assert proposed.bcc_chamber_id == "bcc-france" and proposed.country == "FR"


async def test_a_host_decline_moves_on_to_the_next_best_and_never_back(service, matches):
    org = unique_org()
    first = await post_opportunity(service, org, scheme="government", sector="life_sciences",
                                   grade_min=None, grade_max=None, clearance_needed="SC")
    second = await post_opportunity(service, org, scheme="government", sector="defence",
                                    grade_min=None, grade_max=None, clearance_needed="SC")
    app = application(scheme=Scheme.GOVERNMENT, applicant_kind="industry_professional",
                      grade=None, sectors=(Sector.LIFE_SCIENCES,), clearance_held="BPSS")
    await send(service, app)
    proposed = await matches.wait_for_event("MatchProposed", where=for_app(app))
    assert str(proposed.opportunity_id) == first["opportunity_id"]
    await send(service, rejection(proposed, stage="host_department"))
    again = await matches.wait_for_event(
        "MatchProposed", where=lambda e: for_app(app)(e) and e.match_id != proposed.match_id)
    assert str(again.opportunity_id) == second["opportunity_id"]
    assert await places_held(service, first["opportunity_id"]) == 0
    await send(service, rejection(again, reason="refused", stage="security_vetting"))
    missed = await matches.wait_for_event("NoMatchFound", where=for_app(app))
    assert any("previously failed pair" in r for r in missed.reasons)
    proposals = [e for e in matches.events()
                 if e.event_type == "MatchProposed" and for_app(app)(e)]
    assert len(proposals) == 2  # the first opportunity was never proposed again
    assert await places_held(service, second["opportunity_id"]) == 0


async def test_a_withdrawn_application_releases_its_place_to_the_next_waiting(service, matches):
    opp = await post_opportunity(service, unique_org(), sector="creative_industries",
                                 capacity=1)
    holder = application(sectors=(Sector.CREATIVE_INDUSTRIES,))
    await send(service, holder)
    proposed = await matches.wait_for_event("MatchProposed", where=for_app(holder))
    assert str(proposed.opportunity_id) == opp["opportunity_id"]
    waiting = application(sectors=(Sector.CREATIVE_INDUSTRIES,), skills=("knitting",))
    await send(service, waiting)
    await matches.wait_for_event("NoMatchFound", where=for_app(waiting))
    withdrawn = withdrawal(holder)
    await send(service, withdrawn, withdrawn)  # a redelivery changes nothing
    moved = await matches.wait_for_event("MatchProposed", where=for_app(waiting))
    assert str(moved.opportunity_id) == opp["opportunity_id"]
    # approval's own compensation for the withdrawal must not free the place twice
    await send(service, rejection(proposed, reason="withdrawn"))
    await eventually(lambda: _status(service, holder.application_id, "withdrawn"))
    assert await places_held(service, opp["opportunity_id"]) == 1


async def _status(service, application_id, status) -> bool:
    return await service.runtime.pool.fetchval(
        "SELECT status FROM applications WHERE application_id = $1", application_id) == status


async def test_an_erased_applicant_loses_its_data_and_frees_its_place(service, matches):
    from contracts import ApplicantErased
    opp = await post_opportunity(service, unique_org(), sector="life_sciences", capacity=1)
    holder = application(sectors=(Sector.LIFE_SCIENCES,))
    await send(service, holder)
    await matches.wait_for_event("MatchProposed", where=for_app(holder))
    waiting = application(sectors=(Sector.LIFE_SCIENCES,), skills=("juggling",))
    await send(service, waiting)
    await matches.wait_for_event("NoMatchFound", where=for_app(waiting))
    await send(service, ApplicantErased(producer="applicant", correlation_id=uuid.uuid4(),
                                        applicant_id=holder.applicant_id,
                                        application_ids=(holder.application_id,)))
    moved = await matches.wait_for_event("MatchProposed", where=for_app(waiting))
    assert str(moved.opportunity_id) == opp["opportunity_id"]
    row = await service.runtime.pool.fetchrow(
        "SELECT applicant_id, status, data FROM applications WHERE application_id = $1",
        holder.application_id)
    assert row["applicant_id"] == "erased" and row["status"] == "erased"
    assert "skills" not in row["data"]


async def test_a_confirmed_place_cancelled_by_a_withdrawal_goes_to_the_next_waiting(service,
                                                                                   matches):
    from contracts.examples import example

    from contracts import PlacementConfirmed

    opp = await post_opportunity(service, unique_org(), sector="life_sciences", capacity=1)
    holder = application(sectors=(Sector.LIFE_SCIENCES,))
    await send(service, holder)
    proposed = await matches.wait_for_event("MatchProposed", where=for_app(holder))
    confirmed = example(PlacementConfirmed, application_id=holder.application_id,
                        match_id=proposed.match_id, opportunity_id=proposed.opportunity_id,
                        applicant_id=holder.applicant_id, correlation_id=holder.correlation_id)
    await send(service, confirmed)
    await eventually(lambda: _status(service, holder.application_id, "confirmed"))
    waiting = application(sectors=(Sector.LIFE_SCIENCES,), skills=("knitting",))
    await send(service, waiting)
    await matches.wait_for_event("NoMatchFound", where=for_app(waiting))

    # The applicant's withdrawal passes matching by (the place is confirmed, not live) ...
    withdrawn = withdrawal(holder)
    await send(service, withdrawn)
    await eventually(lambda: _status(service, holder.application_id, "withdrawn"))
    assert await places_held(service, opp["opportunity_id"]) == 1
    # ... and approval's cancellation of the unstarted placement gives the place back, once.
    cancelled = rejection(proposed, reason="withdrawn")
    await send(service, cancelled, cancelled)
    moved = await matches.wait_for_event("MatchProposed", where=for_app(waiting))
    assert str(moved.opportunity_id) == opp["opportunity_id"]
    assert await places_held(service, opp["opportunity_id"]) == 1
