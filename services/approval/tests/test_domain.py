from datetime import UTC, date, datetime

import pytest
from approval.domain import (
    Approver,
    Decision,
    Parties,
    Party,
    RuleError,
    Sla,
    Span,
    Who,
    add_months,
    approver_for,
    chain_for,
    check_decision,
    check_ending,
    check_extension,
    latest_end,
    may_decide,
    may_see,
    party_of,
    placement_end,
    rejection_reason,
    stage_times,
)
from hypothesis import given
from hypothesis import strategies as st

from contracts import ApprovalStage as S
from contracts import Clearance, RejectionReason, Scheme

PARTIES = Parties(organisation_id="dept-dbt", host_org_id="org-windco",
                  line_manager_id="manager-1", bcc_chamber_id="bcc-paris")


def test_the_industry_chain_runs_line_manager_hr_ethics_then_host():
    assert chain_for(Scheme.INDUSTRY, Clearance.DV, Clearance.NONE) == (
        S.LINE_MANAGER, S.DEPARTMENTAL_HR, S.CONFLICT_OF_INTEREST, S.HOST_ACCEPTANCE)


def test_the_government_chain_adds_vetting_only_when_the_post_needs_more_clearance():
    assert chain_for(Scheme.GOVERNMENT, Clearance.SC, Clearance.BPSS) == (
        S.RELEASING_EMPLOYER, S.HOST_DEPARTMENT, S.SECURITY_VETTING, S.CONFLICT_OF_INTEREST)
    assert chain_for(Scheme.GOVERNMENT, Clearance.SC, Clearance.SC) == (
        S.RELEASING_EMPLOYER, S.HOST_DEPARTMENT, S.CONFLICT_OF_INTEREST)
    assert S.SECURITY_VETTING not in chain_for(Scheme.GOVERNMENT, Clearance.SC, Clearance.DV)


def test_the_diplomatic_chain_runs_post_bcc_ethics_then_the_sme():
    assert chain_for(Scheme.DIPLOMATIC, Clearance.NONE, Clearance.NONE) == (
        S.FCDO_POST, S.BCC_ENDORSEMENT, S.CONFLICT_OF_INTEREST, S.SME_ACCEPTANCE)


def test_each_stage_names_its_approver_by_role_and_claim():
    assert approver_for(S.LINE_MANAGER, PARTIES) == Approver("line_manager",
                                                             user_id="manager-1")
    assert approver_for(S.DEPARTMENTAL_HR, PARTIES) == Approver("hr", org_id="dept-dbt")
    assert approver_for(S.CONFLICT_OF_INTEREST, PARTIES) == Approver("ethics")
    assert approver_for(S.SME_ACCEPTANCE, PARTIES) == Approver("host", org_id="org-windco")
    assert approver_for(S.BCC_ENDORSEMENT, PARTIES) == Approver("bcc", org_id="bcc-paris")
    assert approver_for(S.FCDO_POST, PARTIES) == Approver("fcdo_post", org_id="dept-dbt")


def test_a_host_of_another_organisation_may_neither_see_nor_decide():
    approver = approver_for(S.HOST_ACCEPTANCE, PARTIES)
    other = Who("h2", frozenset({"host"}), "org-other")
    assert not may_see(approver, other)
    assert not may_decide(approver, escalated=True, who=other)
    assert may_decide(approver, False, Who("h1", frozenset({"host"}), "org-windco"))


def test_central_hr_sees_every_stage_but_decides_only_escalated_ones():
    approver = approver_for(S.LINE_MANAGER, PARTIES)
    hr = Who("alice", frozenset({"hr"}), None)
    assert may_see(approver, hr)
    assert not may_decide(approver, False, hr)
    assert may_decide(approver, True, hr)
    departmental = Who("bob", frozenset({"hr"}), "dept-other")
    assert not may_see(approver, departmental)


def test_a_refusal_needs_a_reason_and_mitigation_belongs_to_the_ethics_stage():
    with pytest.raises(RuleError) as err:
        check_decision(S.LINE_MANAGER, Decision.REFUSE, "  ", None)
    assert err.value.field == "reason"
    with pytest.raises(RuleError) as err:
        check_decision(S.LINE_MANAGER, Decision.GRANT, None, "recuse from procurement")
    assert err.value.field == "mitigation"
    check_decision(S.CONFLICT_OF_INTEREST, Decision.GRANT, None, "recuse from procurement")


def test_a_host_no_is_a_decline_and_an_approver_no_is_a_refusal():
    assert rejection_reason(S.SME_ACCEPTANCE) is RejectionReason.DECLINED
    assert rejection_reason(S.DEPARTMENTAL_HR) is RejectionReason.REFUSED


def test_the_reminder_comes_before_escalation_which_comes_before_expiry():
    opened = datetime(2027, 1, 1, tzinfo=UTC)
    times = stage_times(opened, Sla(due_seconds=100, reminder_fraction=0.5, expiry_factor=3))
    assert opened < times.reminder_at < times.due_at < times.expires_at
    assert (times.due_at - opened).total_seconds() == 100


def test_months_are_added_on_the_calendar_and_clamped_at_month_end():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert placement_end(date(2027, 1, 4), 6) == date(2027, 7, 4)
    with pytest.raises(RuleError):
        placement_end(date(2027, 1, 4), 13)


def test_an_extension_past_twelve_months_is_refused():
    start = date(2027, 1, 4)
    check_extension(start, date(2027, 7, 4), date(2028, 1, 4))
    with pytest.raises(RuleError, match="past 12 months"):
        check_extension(start, date(2027, 7, 4), date(2028, 1, 5))
    with pytest.raises(RuleError, match="after the current end"):
        check_extension(start, date(2027, 7, 4), date(2027, 7, 4))


@given(start=st.dates(date(2025, 1, 1), date(2035, 12, 31)), months=st.integers(1, 12),
       extra_days=st.integers(1, 800))
def test_no_accepted_extension_ever_ends_more_than_twelve_months_after_the_start(
        start, months, extra_days):
    end = placement_end(start, months)
    assert start < end <= latest_end(start)
    new_end = date.fromordinal(end.toordinal() + extra_days)
    try:
        check_extension(start, end, new_end)
    except RuleError:
        assert new_end > latest_end(start)
    else:
        assert new_end <= add_months(start, 12)


def test_an_end_lies_between_the_actual_start_the_planned_end_and_today():
    span = Span(started=date(2026, 3, 2), planned_end=date(2026, 9, 2), today=date(2026, 6, 1))
    check_ending(span, date(2026, 3, 2), "completed", None)  # the first day is allowed
    check_ending(span, date(2026, 6, 1), "ended_early", "moved")  # and today
    for day, words in ((date(2026, 3, 1), "before the day it started"),
                       (date(2026, 6, 2), "must not be in the future"),
                       (date(2026, 9, 3), "after the planned end date 2026-09-02")):
        with pytest.raises(RuleError, match=words) as refused:
            check_ending(span, day, "completed", None)
        assert refused.value.field == "ended_on"


def test_the_releasing_employer_is_the_employer_role_of_the_applications_organisation():
    sponsor = Who("sponsor", frozenset({"employer"}), "emp-acme")
    assert party_of(sponsor, "ben", "dept-desnz", "emp-acme") is Party.EMPLOYER
    assert party_of(sponsor, "ben", "dept-desnz", "emp-other") is None
    # The employer's own HR is HR, not the releasing employer.
    hr = Who("hr-acme", frozenset({"hr", "employer"}), "emp-acme")
    assert party_of(hr, "ben", "dept-desnz", "emp-acme") is Party.HR
