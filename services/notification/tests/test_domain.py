"""Pure rules: recipients, visibility, failure classification, backoff, rate limit, signing."""

import random

import notification.domain as rules
from contracts.examples import example
from hypothesis import given
from hypothesis import strategies as st
from notification.templates import Templates

from contracts import (
    ALL_EVENTS,
    ApprovalEscalated,
    ApprovalStageOpened,
    MatchProposed,
    PlacementConfirmed,
    PlacementRejected,
)


def test_a_proposed_match_tells_the_applicant_and_the_host_who_may_also_get_a_webhook():
    event = example(MatchProposed, applicant_id="alice", host_org_id="acme")
    plans = {(i.template, i.recipient.id, i.channels) for i in rules.intents_for(event)}
    assert plans == {("match_proposed", "alice", ("email", "inbox")),
                     ("candidate_proposed", "host.acme", ("email", "inbox", "webhook"))}


def test_an_opened_stage_goes_to_the_named_approver_or_else_the_role_in_the_organisation():
    named = example(ApprovalStageOpened, approver_role="line_manager", approver_id="bob")
    group = example(ApprovalStageOpened, approver_role="hr", approver_id=None,
                    approver_org_id="dept-x")
    assert [i.recipient.id for i in rules.intents_for(named)] == ["bob"]
    assert [i.recipient.id for i in rules.intents_for(group)] == ["hr.dept-x"]


def test_escalations_go_to_hr_and_confirmations_to_applicant_and_host():
    intents = rules.intents_for(example(ApprovalEscalated))
    assert [i.recipient for i in intents] == [rules.Recipient("hr")]
    confirmed = example(PlacementConfirmed, host_org_id="acme")
    assert {i.template for i in rules.intents_for(confirmed)} == {"placement_confirmed",
                                                            "placement_confirmed_host"}


def test_every_template_an_event_can_cause_renders_in_plain_english():
    templates = Templates()
    for cls in ALL_EVENTS:
        for intent in rules.intents_for(example(cls)):
            text = templates.render(intent.template, e=example(cls).to_dict(), name="Ann")
            assert text.subject and "None" not in text.body and "{{" not in text.body


def test_a_rejection_says_why_and_what_happens_next():
    event = example(PlacementRejected, reason="declined", detail="team reorganised")
    text = Templates().render("placement_rejected", e=event.to_dict(), name="Ann")
    assert "host decided not to take the placement forward" in text.body
    assert "Next steps" in text.body and "team reorganised" in text.body


def test_a_user_sees_only_their_own_messages_and_a_role_sees_its_organisations():
    assert rules.can_see(rules.Recipient("applicant", user="alice"), "alice", frozenset(), None)
    alice = rules.Recipient("applicant", user="alice")
    assert not rules.can_see(alice, "mallory", frozenset(), None)
    host = rules.Recipient("host", org="acme")
    assert rules.can_see(host, "h1", frozenset({"host"}), "acme")
    assert not rules.can_see(host, "h2", frozenset({"host"}), "other")
    assert not rules.can_see(host, "h3", frozenset({"hr"}), "acme")


def test_webhook_answers_are_classified_like_notify():
    assert rules.http_outcome(204).status is rules.Status.DELIVERED
    assert rules.http_outcome(503).status is rules.Status.TEMPORARY_FAILURE
    assert rules.http_outcome(429).status is rules.Status.TEMPORARY_FAILURE
    assert rules.http_outcome(410).status is rules.Status.PERMANENT_FAILURE


def test_a_temporary_failure_becomes_permanent_at_the_attempt_limit():
    temp = rules.Outcome(rules.Status.TEMPORARY_FAILURE, "HTTP 503")
    assert rules.after_failure(temp, 2, 3) is temp
    assert rules.after_failure(temp, 3, 3).status is rules.Status.PERMANENT_FAILURE


def test_only_an_applicants_email_without_a_known_address_waits_for_one():
    assert rules.awaits_address("email", "applicant", has_contact=False)
    assert not rules.awaits_address("email", "applicant", has_contact=True)
    assert not rules.awaits_address("inbox", "applicant", has_contact=False)
    assert not rules.awaits_address("email", "host", has_contact=False)  # hosts get a default


@given(st.floats(0, 10_000), st.floats(0.01, 10_000), st.floats(0.01, 60))
def test_waiting_for_an_address_looks_again_within_the_window_then_gives_up(age, window,
                                                                           recheck):
    wait = rules.address_wait(age, window, recheck)
    if age >= window:
        assert wait is None
    else:
        assert 0 < wait <= recheck and age + wait <= window + 1e-6


def test_giving_up_on_an_address_is_permanent_and_says_why():
    outcome = rules.no_address(3600)
    assert outcome.status is rules.Status.PERMANENT_FAILURE
    assert outcome.detail.startswith("no address for the applicant after 3600 s")


@given(st.integers(1, 30), st.floats(0.01, 10), st.floats(0.01, 600), st.integers(0, 2**32))
def test_backoff_grows_exponentially_but_never_past_the_cap(attempts, base, cap, seed):
    delay = rules.backoff_seconds(attempts, base, cap, random.Random(seed))
    assert 0 <= delay <= min(cap, base * 2 ** (attempts - 1))


@given(st.lists(st.floats(0, 5), min_size=1, max_size=60), st.floats(1, 600),
       st.integers(1, 20))
def test_the_token_bucket_never_allows_more_than_burst_plus_rate_times_time(gaps, per_minute,
                                                                            burst):
    bucket, now, allowed = None, 0.0, 0
    for gap in gaps:
        now += gap
        ok, bucket, wait = rules.take_token(bucket, now, per_minute, burst)
        allowed += ok
        assert ok or wait > 0
    assert allowed <= burst + now * per_minute / 60 + 1e-6


def test_a_deferred_recipient_gets_a_token_after_the_wait_it_was_told():
    _, bucket, _ = rules.take_token(rules.Bucket(0.0, 0.0), 0.0, per_minute=60, burst=1)
    ok, _, wait = rules.take_token(bucket, 0.0, 60, 1)
    assert not ok
    assert rules.take_token(bucket, wait, 60, 1)[0]


def test_a_signature_verifies_only_with_the_same_secret_timestamp_and_body():
    sig = rules.sign("s3cret", "1700000000", b'{"a":1}')
    assert sig.startswith("sha256=") and rules.verify("s3cret", "1700000000", b'{"a":1}', sig)
    assert not rules.verify("other", "1700000000", b'{"a":1}', sig)
    assert not rules.verify("s3cret", "1700000001", b'{"a":1}', sig)
    assert not rules.verify("s3cret", "1700000000", b'{"a":2}', sig)
