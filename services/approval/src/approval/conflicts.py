"""What a person is told when a stage can no longer take their decision: what happened to it,
who did it and when, in words (a page shows this instead of an error)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from shared.errors import Conflict

from approval.domain import STAGE_TITLES, StageStatus


def when(moment: datetime | None) -> str:
    """'29 November 2026 at 11:30 UTC' (no ISO timestamp in anything a person reads)."""
    if moment is None:
        return "earlier"
    return f"on {moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def title(stage: asyncpg.Record) -> str:
    return STAGE_TITLES.get(stage["stage"], str(stage["stage"]))


def what_happened(stage: asyncpg.Record) -> str:
    at = when(stage["decided_at"])
    match stage["status"]:
        case StageStatus.GRANTED:
            return f"it was already granted by {stage['decided_by']} {at}"
        case StageStatus.REFUSED:
            return f"it was already refused by {stage['decided_by']} {at}"
        case StageStatus.WITHDRAWN:  # the application withdrawn, or this proposal declined
            return f"{stage['reason'] or 'the application was withdrawn'} {at}"
        case StageStatus.EXPIRED:
            return f"its deadline passed without a decision and it expired {at}"
    return f"it is {stage['status']}"


def closed(stage: asyncpg.Record) -> Conflict:
    return Conflict(f"{title(stage)} can no longer be decided: {what_happened(stage)}. "
                    "Your decision was not recorded.", "decision")


def reassigned_away(stage: asyncpg.Record, reassignment: asyncpg.Record) -> Conflict:
    return Conflict(f"{title(stage)} was reassigned to {reassignment['approver_id']} by "
                    f"{reassignment['reassigned_by']} {when(reassignment['reassigned_at'])}; "
                    "you can no longer decide it. Your decision was not recorded.", "decision")
