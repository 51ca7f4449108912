from datetime import UTC, date, datetime, timedelta

import applicant.domain as rules
import pytest
from applicant.domain import Status
from hypothesis import given
from hypothesis import strategies as st

from contracts import ApplicantKind, Scheme

TODAY = date(2027, 3, 1)
KINDS_AND_SCHEMES = [(ApplicantKind.CIVIL_SERVANT, Scheme.INDUSTRY),
                     (ApplicantKind.INDUSTRY_PROFESSIONAL, Scheme.GOVERNMENT),
                     (ApplicantKind.DIPLOMAT, Scheme.DIPLOMATIC)]


def terms(scheme=Scheme.INDUSTRY, start=TODAY + timedelta(days=30), months=6):
    return rules.ApplicationTerms(scheme, start, months)


def broken(kind, t, **window) -> rules.RuleError:
    with pytest.raises(rules.RuleError) as caught:
        rules.check_application(kind, t, TODAY, **window)
    return caught.value


@pytest.mark.parametrize(("kind", "scheme"), KINDS_AND_SCHEMES)
def test_each_kind_may_apply_to_its_own_scheme(kind, scheme):
    rules.check_application(kind, terms(scheme), TODAY)


@pytest.mark.parametrize(("kind", "own"), KINDS_AND_SCHEMES)
def test_each_kind_is_refused_every_other_scheme_naming_the_allowed_one(kind, own):
    for scheme in Scheme:
        if scheme != own:
            error = broken(kind, terms(scheme))
            assert error.field == "scheme"
            assert f"only to the '{own}' scheme" in error.message


@given(st.integers(min_value=-1000, max_value=1000))
def test_a_length_is_accepted_exactly_when_it_is_one_to_twelve_months(months):
    try:
        rules.check_application(ApplicantKind.CIVIL_SERVANT, terms(months=months), TODAY)
        accepted = True
    except rules.RuleError as error:
        assert error.field == "desired_length_months"
        assert "from 1 to 12" in error.message
        accepted = False
    assert accepted == (1 <= months <= 12)


@pytest.mark.parametrize("start", [TODAY, TODAY - timedelta(days=1)])
def test_a_start_today_or_in_the_past_is_refused(start):
    error = broken(ApplicantKind.CIVIL_SERVANT, terms(start=start))
    assert error.field == "earliest_start"
    assert "must be in the future" in error.message


def test_a_start_outside_the_availability_window_is_refused():
    early = broken(ApplicantKind.CIVIL_SERVANT, terms(start=TODAY + timedelta(days=5)),
                   available_from=TODAY + timedelta(days=10))
    late = broken(ApplicantKind.CIVIL_SERVANT, terms(start=TODAY + timedelta(days=50)),
                  available_until=TODAY + timedelta(days=40))
    assert (early.field, late.field) == ("earliest_start", "earliest_start")
    assert "window opens" in early.message and "window closes" in late.message


def test_a_civil_servant_profile_needs_a_line_manager():
    with pytest.raises(rules.RuleError) as caught:
        rules.check_profile(ApplicantKind.CIVIL_SERVANT,
                            {"organisation_id": "dept-dbt", "grade": "G7", "profession": "policy"})
    assert caught.value.field == "line_manager_id"
    assert "civil servant" in caught.value.message


def test_an_industry_professional_profile_needs_an_employer_and_a_role():
    with pytest.raises(rules.RuleError) as caught:
        rules.check_profile(ApplicantKind.INDUSTRY_PROFESSIONAL, {"organisation_id": "emp-acme"})
    assert caught.value.field == "role"


def test_an_availability_window_must_end_after_it_opens():
    with pytest.raises(rules.RuleError) as caught:
        rules.check_profile(ApplicantKind.DIPLOMAT,
                            {"organisation_id": "post-paris", "grade": "SEO",
                             "available_from": TODAY, "available_until": TODAY})
    assert caught.value.field == "available_until"


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.MATCHING, Status.MATCHED,
                                    Status.IN_APPROVAL, Status.APPROVED, Status.CONFIRMED])
def test_an_application_can_be_withdrawn_until_its_placement_starts(status):
    rules.check_withdrawable(status)


@pytest.mark.parametrize(("status", "words"), [(Status.STARTED, "has started"),
                                               (Status.ENDED, "has started"),
                                               (Status.WITHDRAWN, "already withdrawn"),
                                               (Status.REJECTED, "closed")])
def test_a_started_or_closed_application_cannot_be_withdrawn(status, words):
    with pytest.raises(rules.RuleError) as caught:
        rules.check_withdrawable(status)
    assert words in caught.value.message


T0 = datetime(2027, 1, 1, tzinfo=UTC)


def test_a_later_event_moves_the_status_and_an_earlier_one_does_not():
    step = rules.Step("x", Status.MATCHED)
    assert rules.should_move(Status.SUBMITTED, T0, step, T0 + timedelta(seconds=1))
    assert not rules.should_move(Status.IN_APPROVAL, T0, step, T0 - timedelta(seconds=1))


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.REJECTED, Status.ENDED])
def test_nothing_moves_an_application_out_of_a_terminal_status(status):
    later = T0 + timedelta(days=1)
    assert not rules.should_move(status, T0, rules.Step("x", Status.MATCHING), later)


def test_a_timeline_only_step_never_moves_the_status():
    later = T0 + timedelta(days=1)
    assert not rules.should_move(Status.IN_APPROVAL, T0, rules.Step("reminder"), later)
