"""The gauges that need a question asked: every `metrics_refresh_seconds` a worker reads the
outbox backlog, the database pool, whether Kafka answers, each consumer group's lag and the
service's own gauges (PlumbingMetrics.service_gauge) into PlumbingMetrics.

Each part is refreshed on its own, so a broker outage still lets the outbox backlog (the alert
that matters then) be read, and a slow broker cannot stall the loop: Kafka calls have a
deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker

from shared.logging import get_logger
from shared.metrics import PlumbingMetrics, ServiceGauge
from shared.tracing import untraced
from shared.workers import WorkerLoop

log = get_logger(__name__)
OUTBOX_BACKLOG_SQL = ("SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8"
                      " AS age FROM outbox WHERE sent_at IS NULL")
KAFKA_DEADLINE_SECONDS = 5.0


class MetricsRefresher:
    """A worker (shared.workers) started with the service and stopped before its pool."""

    def __init__(self, metrics: PlumbingMetrics, pool: asyncpg.Pool, broker: KafkaBroker,
                 every_seconds: float, topic_prefix: str = "") -> None:
        self.metrics = metrics
        self.pool = pool
        self.broker = broker
        self.topic_prefix = topic_prefix
        # Its own queries are not traced: one root span a second per service is noise.
        self._loop = WorkerLoop("metrics refresh", untraced(self.refresh), every_seconds)
        self._lag_series: set[tuple[str, str, str]] = set()

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop(grace_seconds=KAFKA_DEADLINE_SECONDS)

    async def refresh(self) -> bool:
        """One round; never raises (a part that fails keeps its last value and says so)."""
        self._pool_gauges()
        parts: dict[str, Callable[[], Awaitable[None]]] = {
            "outbox backlog": self._outbox, "service gauges": self._service_gauges}
        if await self._kafka_answers():
            parts["consumer lag"] = self._consumer_lag
        for name, part in parts.items():
            try:
                await part()
            except Exception as exc:  # noqa: BLE001 - the other gauges still get refreshed
                log.warning("metrics refresh failed", part=name, error=repr(exc))
        return False

    def _pool_gauges(self) -> None:
        m, pool = self.metrics, self.pool
        m.db_pool_size.set(pool.get_size())
        m.db_pool_in_use.set(pool.get_size() - pool.get_idle_size())
        m.db_pool_max.set(pool.get_max_size())

    async def _outbox(self) -> None:
        row = await self.pool.fetchrow(OUTBOX_BACKLOG_SQL)
        self.metrics.outbox_unsent_rows.set(row["n"])
        self.metrics.outbox_oldest_unsent_seconds.set(max(0.0, row["age"] or 0.0))

    async def _service_gauges(self) -> None:
        for gauge in self.metrics.service_gauges:
            set_service_gauge(gauge, await gauge.refresh(self.pool))

    async def _kafka_answers(self) -> bool:
        try:
            up = await self.broker.ping(timeout=KAFKA_DEADLINE_SECONDS)
        except Exception:  # noqa: BLE001 - not started yet, or stopping: not connected
            up = False
        self.metrics.kafka_connected.set(1 if up else 0)
        return up

    async def _consumer_lag(self) -> None:
        """Per partition this instance holds: log end offset minus the group's committed
        offset (the log start where nothing is committed yet: consumers read from the
        earliest offset). Partitions handed to another instance drop out."""
        series: set[tuple[str, str, str]] = set()
        for sub in self.broker.subscribers:
            consumer: AIOKafkaConsumer | None = getattr(sub, "consumer", None)
            group = getattr(sub, "group_id", None)
            if consumer is None or not group:
                continue
            lags = await asyncio.wait_for(partition_lags(consumer), KAFKA_DEADLINE_SECONDS)
            name = group.removeprefix(self.topic_prefix)
            for tp, lag in lags.items():
                labels = (name, tp.topic, str(tp.partition))
                self.metrics.consumer_lag.labels(*labels).set(lag)
                series.add(labels)
        for gone in self._lag_series - series:
            self.metrics.consumer_lag.remove(*gone)
        self._lag_series = series


async def partition_lags(consumer: AIOKafkaConsumer) -> dict[TopicPartition, int]:
    assigned = list(consumer.assignment())
    if not assigned:
        return {}
    ends = await consumer.end_offsets(assigned)
    committed = {tp: await consumer.committed(tp) for tp in assigned}
    never = [tp for tp, offset in committed.items() if offset is None]
    starts = await consumer.beginning_offsets(never) if never else {}
    return {tp: max(0, ends[tp] - (committed[tp] if committed[tp] is not None else starts[tp]))
            for tp in assigned}


def set_service_gauge(gauge: ServiceGauge, value: float | Mapping[tuple[str, ...], float]
                      ) -> None:
    if not gauge.labelled:
        gauge.gauge.set(float(value))  # type: ignore[arg-type]
        return
    if not isinstance(value, Mapping):
        raise TypeError(f"{gauge.name}: a labelled gauge's refresh returns a mapping")
    for labels, v in value.items():
        gauge.gauge.labels(*labels).set(v)
    for gone in gauge.reported - set(value):  # an emptied queue reads as gone, not as stale
        gauge.gauge.remove(*gone)
    gauge.reported = set(value)
