"""The plumbing's metrics on the real broker and database: consumer lag, the outbox backlog,
Kafka and pool state, HTTP requests by route template, and every metric the Helm chart's
alerts name."""

import asyncio
import contextlib
import re
from pathlib import Path

import httpx
from fastapi import APIRouter
from shared.service import build_service_app
from shared.spec import ServiceSpec
from testkit.harness.events import eventually, publish

from contracts import ApplicationWithdrawn

from .conftest import MIGRATIONS, withdrawn

CHART_RULES = (Path(__file__).resolve().parents[2]
               / "deploy/helm/bps/templates/prometheusrule.yaml")


class Holder:
    """A component whose handler waits until released: records pile up behind it."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.handled = 0

    async def on_withdrawn(self, _conn, _event: ApplicationWithdrawn) -> None:
        await self.release.wait()
        self.handled += 1


def things_router() -> APIRouter:
    router = APIRouter()

    @router.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict:
        return {"id": thing_id}

    return router


def kit_spec(holder: Holder | None = None) -> ServiceSpec:
    return ServiceSpec(name="kit", title="kit", description="metrics test", migrations=MIGRATIONS,
                       build=lambda _rt: holder or Holder(),
                       handlers={ApplicationWithdrawn: Holder.on_withdrawn} if holder else {},
                       routers=(things_router(),))


@contextlib.asynccontextmanager
async def running(settings, spec: ServiceSpec):
    app = build_service_app(settings.model_copy(update={"metrics_refresh_seconds": 0.1}), spec)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://kit") as client:
            yield app, client


def sample(app, name: str, **labels) -> float | None:
    return app.state.metrics.registry.get_sample_value(name, labels)


def total_lag(app, topic: str) -> float:
    return sum(sample(app, "bps_consumer_lag_records", consumer="kit", topic=topic,
                      partition=str(p)) or 0.0 for p in range(3))


def lag_reported(app, topic: str) -> bool:
    return any(sample(app, "bps_consumer_lag_records", consumer="kit", topic=topic,
                      partition=str(p)) is not None for p in range(3))


async def test_consumer_lag_shows_records_waiting_behind_a_busy_handler_then_falls_to_zero(
        settings):
    holder = Holder()
    topic = settings.topic(ApplicationWithdrawn.TOPIC)
    async with running(settings, kit_spec(holder)) as (app, _client):
        await eventually(lambda: lag_reported(app, topic), timeout=60)  # partitions assigned
        assert total_lag(app, topic) == 0
        first = withdrawn()
        same_key = [first] + [withdrawn().model_copy(
            update={"application_id": first.application_id}) for _ in range(4)]
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, *same_key)
        # The handler holds the first record: nothing is committed, five records wait.
        await eventually(lambda: total_lag(app, topic) == 5, timeout=30)
        holder.release.set()
        await eventually(lambda: holder.handled == 5, timeout=30)
        await eventually(lambda: total_lag(app, topic) == 0, timeout=30)


async def test_the_oldest_unsent_outbox_row_ages_while_the_relay_is_paused(settings):
    async with running(settings, kit_spec()) as (app, _client):
        runtime = app.state.runtime
        await eventually(lambda: sample(app, "bps_outbox_unsent_rows") == 0, timeout=30)
        assert sample(app, "bps_outbox_oldest_unsent_seconds") == 0
        await runtime.relay.pause()
        async with runtime.pool.acquire() as conn, conn.transaction():
            await runtime.outbox.add(conn, withdrawn())
        await eventually(lambda: sample(app, "bps_outbox_unsent_rows") == 1, timeout=30)
        first_age = await eventually(lambda: sample(app, "bps_outbox_oldest_unsent_seconds"),
                                     timeout=30)
        # It keeps growing while nothing publishes it.
        await eventually(
            lambda: sample(app, "bps_outbox_oldest_unsent_seconds") > first_age + 0.5,
            timeout=30)
        await runtime.relay.resume()
        await eventually(lambda: sample(app, "bps_outbox_unsent_rows") == 0, timeout=30)
        assert sample(app, "bps_outbox_oldest_unsent_seconds") == 0
        assert sample(app, "bps_events_published_total", topic=settings.topic(
            ApplicationWithdrawn.TOPIC)) == 1


async def test_a_request_is_counted_under_its_route_template_with_method_and_status(settings):
    async with running(settings, kit_spec()) as (app, client):
        assert (await client.get("/things/42")).status_code == 200
        assert (await client.get("/things/not-a-number")).status_code == 422
        labels = dict(handler="/things/{thing_id}", method="GET")
        assert sample(app, "bps_http_requests_total", status="200", **labels) == 1
        assert sample(app, "bps_http_requests_total", status="422", **labels) == 1
        assert sample(app, "bps_http_request_duration_seconds_count", status="200",
                      **labels) == 1
        text = (await client.get("/metrics")).text
        assert 'handler="/things/42"' not in text  # never the raw path: one series per route
        assert re.search(r'bps_http_requests_total\{[^}]*handler="/things/\{thing_id\}"', text)


async def test_kafka_and_pool_state_are_reported(settings):
    async with running(settings, kit_spec()) as (app, _client):
        await eventually(lambda: sample(app, "bps_kafka_connected") == 1, timeout=30)
        assert sample(app, "bps_db_pool_connections") >= 1
        assert sample(app, "bps_db_pool_connections_max") == settings.db_pool_max
        # The relay holds one connection for LISTEN all the time.
        assert sample(app, "bps_db_pool_connections_in_use") >= 1


def chart_metric_names() -> set[str]:
    names = set(re.findall(r"\b(bps_[a-z_]+)\{", CHART_RULES.read_text()))
    assert len(names) >= 4, names  # the rule file still says what it alerts on
    return names


async def test_metrics_names_every_plumbing_metric_the_chart_alerts_on(settings):
    service_gauges = {"bps_timers_overdue"}  # approval's: services/approval/tests
    async with running(settings, kit_spec(Holder())) as (_app, client):
        text = (await client.get("/metrics")).text
    exported = set(re.findall(r"^# TYPE (bps_[a-z_]+)", text, re.MULTILINE))
    exported |= {n + "_total" for n in exported}  # counters' family names drop _total
    missing = chart_metric_names() - service_gauges - exported
    assert not missing, f"the chart alerts on metrics /metrics does not export: {missing}"
