"""Pure notification rules: who hears about which event, on which channel, how failures are
classified, when to retry, the per-recipient token bucket and webhook signing. No I/O here."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contracts import (
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApplicationWithdrawn,
    ApprovalEscalated,
    ApprovalGranted,
    ApprovalRefused,
    ApprovalReminderDue,
    ApprovalStageOpened,
    ApprovalStageReassigned,
    DeliveryStatus,
    Event,
    FollowUpDue,
    MatchProposed,
    NoMatchFound,
    PlacementApproved,
    PlacementConfirmed,
    PlacementRejected,
)

EMAIL, WEBHOOK, INBOX = "email", "webhook", "inbox"
# A send cut off by a crash is never repeated on channels that leave our hands (the email or
# webhook may have arrived). An in-app message never leaves our database, so repeating it is
# harmless, and declaring it failed would lose it.
RESENDABLE_AFTER_CRASH = frozenset({INBOX})
HR_ROLE = "hr"
APPLICANT_ROLE = "applicant"
# An applicant's name before their sealed contact details are opened: reads as "applicant",
# and the word joiners around it let the opener put the real name in (repository.fill_in_name).
PENDING_NAME = "\u2060applicant\u2060"
# The same applicant, as messages to other people (approvers, host, HR) name them until then.
PENDING_APPLICANT = "\u2060the applicant\u2060"


# A message's status is the delivery status the events carry (GOV.UK Notify's names).
Status = DeliveryStatus


# Rows in these states may be claimed for a (first or further) attempt; anything at `sending`
# or later is never sent again.
CLAIMABLE = (Status.CREATED, Status.TEMPORARY_FAILURE)
FINAL = (Status.DELIVERED, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE)


@dataclass(frozen=True)
class Recipient:
    """A named user, or everyone holding `role` (for organisation `org` when given)."""

    role: str
    user: str | None = None
    org: str | None = None

    @property
    def id(self) -> str:
        if self.user:
            return self.user
        return f"{self.role}.{self.org}" if self.org else self.role

    def email_local_part(self) -> str:
        return re.sub(r"[^A-Za-z0-9._+-]", "-", self.id)


@dataclass(frozen=True)
class Intent:
    """One message (a template) for one recipient, on some channels."""

    template: str
    recipient: Recipient
    channels: tuple[str, ...]


PERSON = (EMAIL, INBOX)
HOST = (EMAIL, INBOX, WEBHOOK)
HR = Recipient(role=HR_ROLE)


def applicant(event: Event) -> Recipient:
    return Recipient(role=APPLICANT_ROLE, user=event.applicant_id)


def host(org: str) -> Recipient:
    return Recipient(role="host", org=org)


def approver(role: str | None, user: str | None, org: str | None) -> Recipient:
    return Recipient(role=role or "approver", user=user, org=None if user else org)


def channels_for(recipient: Recipient) -> tuple[str, ...]:
    # Webhooks are for host organisations that registered one; the handler drops the
    # webhook channel when none is registered.
    return HOST if recipient.role == "host" and recipient.org else PERSON


Plan = list[tuple[str, Recipient]]  # (template, recipient) pairs


def _to_applicant(template: str) -> Callable[[Any], Plan]:
    return lambda event: [(template, applicant(event))]


def _to_approver(template: str, *, org: bool = True) -> Callable[[Any], Plan]:
    return lambda event: [(template, approver(event.approver_role, event.approver_id,
                                              event.approver_org_id if org else None))]


# The messages each event causes. Events not listed here notify nobody; the service subscribes
# to exactly these (notification.app.HANDLED) and the few it keeps without telling anyone.
PLANS: dict[type[Event], Callable[[Any], Plan]] = {
    ApplicationSubmitted: _to_applicant("application_submitted"),
    ApplicationSubmittedV2: _to_applicant("application_submitted"),
    ApplicationWithdrawn: _to_applicant("application_withdrawn"),
    MatchProposed: lambda event: [("match_proposed", applicant(event)),
                                  ("candidate_proposed", host(event.host_org_id))],
    NoMatchFound: _to_applicant("no_match_found"),
    ApprovalStageOpened: _to_approver("approval_requested"),
    # A reminder names no organisation (the handler finds whoever was asked).
    ApprovalReminderDue: _to_approver("approval_reminder", org=False),
    ApprovalGranted: _to_applicant("approval_granted"),
    ApprovalRefused: _to_applicant("approval_refused"),
    ApprovalEscalated: lambda _event: [("approval_escalated", HR)],
    ApprovalStageReassigned: _to_approver("approval_reassigned"),
    PlacementApproved: _to_applicant("placement_approved"),
    PlacementConfirmed: lambda event: [("placement_confirmed", applicant(event)),
                                       ("placement_confirmed_host", host(event.host_org_id))],
    PlacementRejected: _to_applicant("placement_rejected"),
    # Outcome follow-ups (the invitation and its reminders) link to the web form.
    FollowUpDue: _to_applicant("follow_up_due"),
}
NOTIFYING = tuple(PLANS)


def intents_for(event: Event) -> list[Intent]:
    """The messages an event causes (PLANS)."""
    plan = PLANS.get(type(event))
    return [Intent(t, r, channels_for(r)) for t, r in plan(event)] if plan else []


def dead_letter_intent() -> Intent:
    return Intent("dead_letter", HR, PERSON)


def can_see(recipient: Recipient, caller_id: str, caller_roles: frozenset[str],
            caller_org: str | None) -> bool:
    """Whether a caller is (one of) the recipient(s) of a message."""
    if recipient.user:
        return recipient.user == caller_id
    if recipient.role not in caller_roles:
        return False
    return recipient.org is None or recipient.org == caller_org


# --- delivery outcomes -------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    status: Status
    detail: str


def http_outcome(status_code: int) -> Outcome:
    """A webhook answer: 2xx accepted; 408/429/5xx say 'not now'; other 4xx say 'never'."""
    if 200 <= status_code < 300:
        return Outcome(Status.DELIVERED, f"HTTP {status_code}")
    if status_code in (408, 429) or status_code >= 500:
        return Outcome(Status.TEMPORARY_FAILURE, f"HTTP {status_code}")
    return Outcome(Status.PERMANENT_FAILURE, f"HTTP {status_code}")


def smtp_reply_outcome(code: int, text: str) -> Outcome:
    status = Status.PERMANENT_FAILURE if 500 <= code < 600 else Status.TEMPORARY_FAILURE
    return Outcome(status, f"SMTP {code} {text}"[:500])


def after_failure(outcome: Outcome, attempts: int, max_attempts: int) -> Outcome:
    """A temporary failure becomes permanent once the attempt limit is reached."""
    if outcome.status is Status.TEMPORARY_FAILURE and attempts >= max_attempts:
        return Outcome(Status.PERMANENT_FAILURE,
                       f"gave up after {attempts} attempts; last: {outcome.detail}")
    return outcome


def awaits_address(channel: str, role: str, has_contact: bool) -> bool:
    """An applicant is never emailed at a guessed address, so their email waits for the real one
    (it comes with their application, on another topic, possibly late)."""
    return channel == EMAIL and role == APPLICANT_ROLE and not has_contact


def address_wait(age_seconds: float, window_seconds: float, recheck_seconds: float
                 ) -> float | None:
    """Seconds until looking for the address again, or None once the window is over. Waiting
    spends no attempt: attempts are for failed sends, and nothing was sent."""
    left = window_seconds - age_seconds
    return min(recheck_seconds, left) if left > 0 else None


def no_address(window_seconds: float) -> Outcome:
    return Outcome(Status.PERMANENT_FAILURE,
                   f"no address for the applicant after {window_seconds:g} s; not sent")


def backoff_seconds(attempts: int, base: float, cap: float, rng: random.Random | None = None
                    ) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]."""
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return (rng or random).uniform(0, ceiling)


# --- per-recipient token bucket ------------------------------------------------------------

@dataclass(frozen=True)
class Bucket:
    tokens: float
    at: float  # seconds (any monotonic clock the caller uses consistently)


def take_token(bucket: Bucket | None, now: float, per_minute: float, burst: float
               ) -> tuple[bool, Bucket, float]:
    """(allowed, new bucket, seconds until a token is available if not allowed)."""
    rate = per_minute / 60.0
    if bucket is None:
        current = burst
    else:
        current = min(burst, bucket.tokens + max(0.0, now - bucket.at) * rate)
    if current >= 1.0:
        return True, Bucket(current - 1.0, now), 0.0
    return False, Bucket(current, now), (1.0 - current) / rate


# --- webhook signing ----------------------------------------------------------------------

def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
