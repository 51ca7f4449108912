"""The notification spec's handler table agrees with the messages the domain writes: every
event that notifies somebody is subscribed, and nothing is subscribed that notifies nobody,
except erasure (which deletes instead) and the opportunities the messages name (kept, by
projection.py, for their titles and hosts)."""

from contracts.examples import example
from notification.app import HANDLED, SPEC
from notification.domain import intents_for

from contracts import ALL_EVENTS, ApplicantErased, OpportunityAmended, OpportunityPublished

KEPT_NOT_TOLD = {ApplicantErased, OpportunityPublished, OpportunityAmended}


def test_the_handled_events_are_those_that_notify_somebody_plus_erasure_and_titles():
    notifying = {cls for cls in ALL_EVENTS if intents_for(example(cls))}
    assert set(HANDLED) == notifying | KEPT_NOT_TOLD
    assert set(SPEC.handlers) == set(HANDLED)
