"""bps_notification_deliveries_pending: the delivery queue by channel and status, read from the
real database; a delivered message leaves it."""

import pytest
from notification.app import build_app
from testkit.harness.events import eventually
from testkit.harness.service import running_service

from .test_webhooks import propose, register, webhook_row


@pytest.fixture
async def service(settings):
    # A receiver slow to answer keeps the webhook at `sending` for a while: within the timeout.
    slow = settings.model_copy(update={"metrics_refresh_seconds": 0.1,
                                       "send_timeout_seconds": 30.0})
    async with running_service(build_app, slow) as svc:
        yield svc


def pending(service, status: str) -> float | None:
    return service.app.state.metrics.registry.get_sample_value(
        "bps_notification_deliveries_pending", {"channel": "webhook", "status": status})


async def test_a_webhook_being_sent_is_pending_until_delivered_then_leaves_the_gauge(
        service, receiver):
    receiver.delay = 5.0
    await register(service, receiver.url)
    await propose(service)
    await eventually(lambda: pending(service, "sending") == 1, timeout=30)
    await eventually(lambda: _delivered(service), timeout=30)
    await eventually(lambda: pending(service, "sending") is None, timeout=30)
    assert pending(service, "created") is None


async def _delivered(service) -> bool:
    row = await webhook_row(service)
    return bool(row) and row["status"] == "delivered"
