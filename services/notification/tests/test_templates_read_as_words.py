"""Every template, rendered with realistic data, says who, what and when in words and links to
the page where the reader acts; no raw id or machine timestamp is left for a person to read."""

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from contracts.examples import example
from notification.templates import Templates
from notification.wording import SOMEONE, day, machine_marks, plain, stage

import contracts as ev

WEB = "https://placements.example.gov.uk"
APP = UUID("3f2c8a9e-1b4d-4c6e-9f0a-2b3c4d5e6f70")
OPP = UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
STAGE = UUID("0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6")
WHEN = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)
OPPORTUNITY = {"title": "Net zero grid secondment", "host": "Northern Power Networks"}
ANN = "Ann Okafor"
EVENT = {"application_id": APP, "opportunity_id": OPP, "occurred_at": WHEN,
         "scheme": "industry", "sector": "clean_energy"}
DUE = datetime(2027, 1, 19, 17, 0, tzinfo=UTC)


def render(cls, template: str, *, name: str = ANN, applicant: str = ANN, **fields):
    allowed = {k: v for k, v in EVENT.items() if k in cls.model_fields}
    event = example(cls, **{**allowed, **fields})
    text = Templates(WEB).render(template, e=event.to_dict(), name=name, opp=OPPORTUNITY,
                                 applicant=applicant)
    assert not machine_marks(text.subject + "\n" + text.body), text.body
    return text


def test_dates_read_as_day_month_year_without_a_leading_zero():
    assert day(date(2027, 1, 5)) == "5 January 2027"
    assert day("2027-01-05T09:30:00Z") == "5 January 2027"
    # 23:30 UTC in British Summer Time is already the next day in London.
    assert day("2027-06-30T23:30:00+00:00") == "1 July 2027"


def test_stages_read_in_plain_english():
    assert stage("line_manager") == "line manager approval"
    assert stage("conflict_of_interest") == "conflict of interest check"
    assert stage("bcc_endorsement") == "British Chambers of Commerce endorsement"


def test_free_text_loses_raw_ids_and_timestamps():
    said = plain(f"opportunity {OPP} closed at 2027-01-05T09:30:00+00:00")
    assert said == "opportunity [id] closed at 5 January 2027"


def test_the_application_receipt_names_the_scheme_the_dates_and_links_to_the_application():
    text = render(ev.ApplicationSubmittedV2, "application_submitted",
                  earliest_start=date(2027, 2, 1), desired_length_months=6)
    assert "Dear Ann Okafor" in text.body and "industry placement scheme" in text.body
    assert "on 5 January 2027" in text.body and "from 1 February 2027 for 6 months" in text.body
    assert f"{WEB}/applications/{APP}" in text.body


@pytest.mark.parametrize(("attempt", "cohort", "opening"), [
    (1, "placed", "Your placement ended on 3 July 2027"),
    (2, "comparison", "left the process on 3 July 2027")])
def test_a_follow_up_says_why_it_asks_by_when_and_links_to_the_form(attempt, cohort, opening):
    text = render(ev.FollowUpDue, "follow_up_due", attempt=attempt, cohort=cohort)
    assert ("Reminder" in text.subject) is (attempt > 1)
    assert "6 months on" in text.subject and opening in text.body
    assert "answer by 14 February 2028" in text.body
    assert f"{WEB}/follow-ups/00000000-0000-4000-8000-0000000000f6" in text.body


def test_a_withdrawal_says_when_and_why():
    text = render(ev.ApplicationWithdrawn, "application_withdrawn", reason="I took another job")
    assert "withdrawn on 5 January 2027" in text.body and "I took another job" in text.body
    assert f"{WEB}/applications/{APP}" in text.body


def test_a_proposed_match_names_the_opportunity_host_and_start():
    text = render(ev.MatchProposed, "match_proposed", start_date=date(2027, 3, 1), length_months=1)
    assert "Net zero grid secondment at Northern Power Networks" in text.body
    assert "starting on 1 March 2027 for 1 month." in text.body
    assert f"{WEB}/applications/{APP}" in text.body


def test_the_host_hears_who_was_proposed_for_which_opportunity():
    text = render(ev.MatchProposed, "candidate_proposed", name="host", start_date=date(2027, 3, 1),
                  length_months=3)
    assert text.subject == "A candidate has been proposed for Net zero grid secondment"
    assert "Dear Northern Power Networks team" in text.body
    assert "we proposed Ann Okafor" in text.body and "1 March 2027 for 3 months" in text.body
    assert f"{WEB}/host/opportunities/{OPP}" in text.body


def test_no_match_lists_the_reasons_in_words():
    text = render(ev.NoMatchFound, "no_match_found",
                  reasons=("no opportunity in your sectors", f"opportunity {OPP} is full"))
    assert "- no opportunity in your sectors" in text.body
    assert "opportunity [id] is full" in text.body
    assert "On 5 January 2027 we looked" in text.body


def test_an_approver_is_asked_with_the_applicant_the_placement_the_due_date_and_a_link():
    text = render(ev.ApprovalStageOpened, "approval_requested", name="Raj Patel",
                  stage="line_manager", due_at=DUE, stage_id=STAGE)
    assert text.subject == ("Your decision is needed: line manager approval for "
                            "Net zero grid secondment")
    assert "Dear Raj Patel" in text.body and "The application from Ann Okafor" in text.body
    assert "Net zero grid secondment at Northern Power Networks" in text.body
    assert "Please decide by 19 January 2027" in text.body
    assert f"{WEB}/tasks/{STAGE}" in text.body and f"{WEB}/tasks\n" in text.body


def test_without_a_stage_id_the_approver_is_sent_to_their_task_list():
    text = render(ev.ApprovalStageOpened, "approval_requested", stage="security_vetting",
                  due_at=DUE, stage_id=None)
    assert "your security vetting" in text.body and "/tasks/" not in text.body


def test_a_reminder_says_the_due_date_in_words():
    text = render(ev.ApprovalReminderDue, "approval_reminder", name="ethics officer",
                  stage="conflict_of_interest", due_at=DUE, stage_id=STAGE)
    assert text.subject == ("Reminder: your decision is due by 19 January 2027 "
                            "(conflict of interest check)")
    assert "Ann Okafor's application" in text.body and f"{WEB}/tasks/{STAGE}" in text.body


def test_hr_hears_of_an_overdue_stage_and_where_to_reassign_it():
    text = render(ev.ApprovalEscalated, "approval_escalated", stage="security_vetting",
                  due_at=DUE, stage_id=STAGE, applicant=SOMEONE)
    assert text.subject == "Escalation: security vetting decision overdue"
    assert "was due by 19 January 2027" in text.body and "reassign" in text.body
    assert f"{WEB}/tasks/{STAGE}" in text.body and f"{WEB}/hr" in text.body


def test_an_approver_given_a_stage_by_hr_hears_why_by_when_and_where():
    text = render(ev.ApprovalStageReassigned, "approval_reassigned", name="Sam Reid",
                  stage="security_vetting", due_at=DUE, approver_id="sam",
                  reason="Kim is on leave until 2027-02-01")
    assert text.subject == ("Your decision is needed: security vetting passed to you for "
                            "Net zero grid secondment")
    assert "HR has passed the security vetting of the application from Ann Okafor" in text.body
    assert "Reason given: Kim is on leave until 1 February 2027" in text.body
    assert "Please decide by 19 January 2027" in text.body and f"{WEB}/tasks" in text.body


@pytest.mark.parametrize("cls,template,words", [
    (ev.ApprovalGranted, "approval_granted", "passed line manager approval"),
    (ev.ApprovalRefused, "approval_refused", "not approved at the line manager approval stage"),
])
def test_the_applicant_hears_each_decision_with_the_stage_and_the_day(cls, template, words):
    text = render(cls, template, stage="line_manager")
    assert words in text.subject + text.body, text.subject
    assert "On 5 January 2027" in text.body or "on 5 January 2027" in text.body
    assert f"{WEB}/applications/{APP}" in text.body


def test_a_refusal_gives_the_reason():
    text = render(ev.ApprovalRefused, "approval_refused", stage="conflict_of_interest",
                  reason="Conflict with a current contract")
    assert "Reason given: Conflict with a current contract" in text.body


@pytest.mark.parametrize("template", ["placement_approved", "placement_confirmed"])
def test_the_placee_sees_the_placement_dates_in_words(template):
    cls = ev.PlacementApproved if template == "placement_approved" else ev.PlacementConfirmed
    text = render(cls, template, start_date=date(2027, 3, 1), end_date=date(2027, 9, 1))
    assert "from 1 March 2027 to 1 September 2027" in text.body
    assert "Northern Power Networks" in text.body and f"{WEB}/applications/{APP}" in text.body


def test_the_host_sees_who_is_coming_and_when():
    text = render(ev.PlacementConfirmed, "placement_confirmed_host", name="host",
                  start_date=date(2027, 3, 1), end_date=date(2027, 9, 1))
    assert text.subject == "Placement confirmed from 1 March 2027: Net zero grid secondment"
    assert "The placement of Ann Okafor with you" in text.body
    assert f"{WEB}/host/opportunities/{OPP}" in text.body


def test_a_rejected_placement_says_which_stage_refused_it():
    text = render(ev.PlacementRejected, "placement_rejected", reason="refused",
                  stage="conflict_of_interest", detail=f"see case {APP}")
    assert "at the conflict of interest check stage" in text.body
    assert "Details: see case [id]" in text.body


def test_a_dead_letter_keeps_ids_out_of_what_hr_reads():
    facts = {"topic": "matches", "partition": "1", "offset": "42", "consumer": "approval",
             "reason": "validation", "error": f"bad match {APP} at 2027-01-05T09:30:00Z"}
    text = Templates(WEB).render("dead_letter", e=facts, name="HR")
    assert "bad match [id] at 5 January 2027" in text.body and f"{WEB}/hr" in text.body
    assert not machine_marks(text.body)


def test_every_template_has_a_render_test_here():
    source = open(__file__).read()
    assert all(f'"{name}"' in source for name in Templates().names())
