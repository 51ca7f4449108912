"""The event catalogue, one module per topic; each module's __all__ names its public models."""

from contracts.events import (
    applications,
    approvals,
    matches,
    notifications,
    opportunities,
    outcomes,
    placements,
)
from contracts.events.applications import *  # noqa: F403
from contracts.events.approvals import *  # noqa: F403
from contracts.events.matches import *  # noqa: F403
from contracts.events.notifications import *  # noqa: F403
from contracts.events.opportunities import *  # noqa: F403
from contracts.events.outcomes import *  # noqa: F403
from contracts.events.placements import *  # noqa: F403

__all__ = sorted(name for module in (applications, approvals, matches, notifications,
                                     opportunities, outcomes, placements)
                 for name in module.__all__)
