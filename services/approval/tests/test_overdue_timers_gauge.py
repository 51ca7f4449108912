"""bps_timers_overdue (the chart's BpsTimersOverdue alert): SLA timers past due and not fired,
read from the real database. The poller here looks only once an hour, as a stuck one would."""

from approval.app import build_app
from approval.config import ApprovalSettings
from testkit.harness.events import eventually
from testkit.harness.fixtures import service_fixture

from contracts import Scheme

from .conftest import FAST, open_stage, proposal, propose

# line_manager: reminder at 0.5 s, escalation at 1 s, expiry at 4 s after the stage opens.
SHORT = dict(sla_due_seconds={"line_manager": 1.0, "departmental_hr": 30.0},
             sla_reminder_fraction=0.5, sla_expiry_factor=4.0)
STUCK = dict(timer_poll_seconds=3600.0, metrics_refresh_seconds=0.1)

service = service_fixture(build_app, ApprovalSettings, **{**FAST, **SHORT, **STUCK})


def overdue(service) -> float | None:
    return service.app.state.metrics.registry.get_sample_value("bps_timers_overdue")


async def test_the_overdue_timers_gauge_counts_timers_past_due_that_no_poller_fired(service):
    await eventually(lambda: overdue(service) is not None, timeout=30)
    assert overdue(service) == 0
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    await open_stage(service, p.application_id)
    # Reminder, escalation and expiry all come due within 4 s, and none is fired.
    await eventually(lambda: overdue(service) == 3, timeout=30)
    unfired = await service.runtime.pool.fetchval(
        "SELECT count(*) FROM timers WHERE fired_at IS NULL")
    assert unfired == 3
    text = (await service.client.get("/metrics")).text
    assert "bps_timers_overdue 3.0" in text
