"""Integrity after return, the pure rules: periods by grade, what each kind of return covers."""

from datetime import date

from approval.return_rules import (
    RESTRICTION_MONTHS,
    conditions_for,
    restriction_months,
)

from contracts import Grade, Scheme


def test_a_more_senior_grade_is_never_restricted_for_less_time():
    months = [RESTRICTION_MONTHS[g] for g in sorted(Grade)]
    assert months == sorted(months) and months[0] < months[-1]
    assert set(RESTRICTION_MONTHS) == set(Grade)


def test_an_unknown_grade_gets_the_longest_period():
    assert restriction_months(None) == max(RESTRICTION_MONTHS.values())


def test_a_civil_servant_back_from_a_host_may_not_decide_on_its_business_for_the_period():
    for scheme in (Scheme.INDUSTRY, Scheme.DIPLOMATIC):
        rules = conditions_for(scheme, Grade.SCS2, date(2027, 8, 31))
        assert rules.kind == "outward"
        assert rules.restricted_until == date(2029, 2, 28)  # 18 months, clamped to February
        assert set(rules.restricted_decisions) == {
            "procurement", "regulation", "grants", "placements"}
        assert rules.confidentiality is None


def test_an_industry_expert_back_at_their_employer_gives_a_confidentiality_undertaking():
    rules = conditions_for(Scheme.GOVERNMENT, None, date(2027, 3, 1))
    assert (rules.kind, rules.restricted_decisions) == ("inward", ())
    assert rules.restricted_until == date(2029, 3, 1)
    assert "security-classified" in rules.confidentiality

