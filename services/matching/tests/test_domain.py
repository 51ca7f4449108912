from dataclasses import replace
from datetime import date

from matching.domain import (
    CLEARANCE_RANK,
    GRADE_RANK,
    Applicant,
    Opportunity,
    Rules,
    best_opportunity,
    checks,
    explain,
    score,
    sme_violation,
)

TODAY = date(2027, 1, 1)
RULES = Rules(today=TODAY)
ADA = Applicant(id="a1", scheme="industry", kind="civil_servant", grade=GRADE_RANK["G7"],
                skills=frozenset({"policy", "data"}), sectors=frozenset({"clean_energy"}),
                regions=frozenset({"North West"}), earliest_start=date(2027, 3, 1),
                desired_months=6)
WIND = Opportunity(id="o1", host_org_id="org-wind", host_name="WindCo", scheme="industry",
                   sector="clean_energy", country="GB", region="North West",
                   required_skills=frozenset({"policy"}), desired_skills=frozenset({"law"}),
                   window_from=date(2027, 3, 1), window_to=date(2027, 6, 30), months=6,
                   grade_min=GRADE_RANK["HEO"], grade_max=GRADE_RANK["G6"], places=2)


def failed(a, o):
    return [c.name for c in checks(a, o, RULES) if not c.passed]


def test_a_good_fit_passes_every_filter_and_explains_each_factor():
    e = explain(ADA, WIND, RULES)
    assert all(c.passed for c in e.checks)
    assert {f.name: f.raw for f in e.factors} == {"skills": 2 / 3, "sector": 1.0,
                                                  "location": 1.0, "grade": 1.0, "start": 1.0}
    assert e.score == score(ADA, WIND, RULES)
    assert abs(sum(f.contribution for f in e.factors) - e.score) < 1e-12
    assert e.start_date == date(2027, 3, 1)


def test_each_hard_filter_rules_a_pair_out():
    assert failed(replace(ADA, scheme="government"), WIND) == ["scheme", "applicant_kind"]
    assert failed(replace(ADA, interest_orgs=frozenset({"org-wind"})), WIND) == [
        "conflict_of_interest"]
    assert failed(replace(ADA, interest_names=frozenset({"windco"})), WIND) == [
        "conflict_of_interest"]
    assert failed(ADA, replace(WIND, clearance=CLEARANCE_RANK["SC"])) == ["clearance"]
    assert failed(replace(ADA, earliest_start=date(2027, 7, 1)), WIND) == ["availability"]
    assert failed(replace(ADA, desired_months=10), WIND) == ["length"]
    assert failed(ADA, replace(WIND, places=0)) == ["capacity"]
    assert failed(replace(ADA, only_opportunity="o2"), WIND) == ["applied_to"]


def test_security_vetting_can_raise_an_inward_secondee_to_sc_but_not_dv():
    inward = replace(ADA, scheme="government", kind="industry_professional", grade=None)
    post = replace(WIND, scheme="government", grade_min=None, grade_max=None)
    assert failed(inward, replace(post, clearance=CLEARANCE_RANK["SC"])) == []
    assert failed(inward, replace(post, clearance=CLEARANCE_RANK["DV"])) == ["clearance"]


def test_grade_outside_the_range_lowers_the_score_not_the_feasibility():
    junior = replace(ADA, grade=GRADE_RANK["AO"])
    assert failed(junior, WIND) == []
    assert score(junior, WIND, RULES) < score(ADA, WIND, RULES)


def test_the_best_opportunity_skips_failed_pairs_and_says_why_there_is_none():
    other = replace(WIND, id="o2", sector="defence")
    best, _ = best_opportunity(ADA, [other, WIND], RULES)
    assert best.id == "o1"
    best, _ = best_opportunity(ADA, [other, WIND], RULES, excluded=frozenset({"o1"}))
    assert best.id == "o2"
    none, reasons = best_opportunity(ADA, [other, WIND], RULES, frozenset({"o1", "o2"}))
    assert none is None and reasons == ["previously failed pair: ruled out 2 of 2 open "
                                        "opportunities"]


def test_a_diplomatic_host_must_have_fewer_than_250_staff():
    assert sme_violation("diplomatic", 249) is None
    assert "host_staff_count" in sme_violation("diplomatic", 250)
    assert sme_violation("industry", 50_000) is None
