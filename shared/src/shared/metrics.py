"""Prometheus metrics for the event plumbing, one registry per app so tests can run many apps.

The names are an interface: the Helm chart's PrometheusRule alerts on bps_consumer_lag_records,
bps_outbox_oldest_unsent_seconds, bps_events_dead_lettered_total and bps_timers_overdue (the
last one a service gauge of approval's, registered through `service_gauge`). Gauges that need a
query are refreshed by shared.metrics_refresh."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import asyncpg
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shared.http_metrics import HttpMetrics, HttpSeries

# A service gauge's refresh: one number, or one per label values when it has labels.
GaugeRefresh = Callable[[asyncpg.Pool], Awaitable[float | Mapping[tuple[str, ...], float]]]


@dataclass
class ServiceGauge:
    """A gauge a service owns (a business figure), set from a query every refresh."""

    name: str
    gauge: Gauge
    refresh: GaugeRefresh
    labelled: bool
    reported: set[tuple[str, ...]] = field(default_factory=set)  # label values last set


@dataclass
class PlumbingMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    service_gauges: list[ServiceGauge] = field(default_factory=list)

    def __post_init__(self) -> None:
        r = self.registry
        self.published = Counter("bps_events_published_total", "Events the outbox relay published",
                                 ["topic"], registry=r)
        self.consumed = Counter("bps_events_consumed_total", "Events consumed, by outcome",
                                ["consumer", "topic", "outcome"], registry=r)
        self.dead_lettered = Counter("bps_events_dead_lettered_total", "Messages sent to a DLQ",
                                     ["consumer", "topic", "reason"], registry=r)
        self.handler_seconds = Histogram("bps_handler_seconds", "Handler latency incl. commit",
                                         ["consumer", "topic"], registry=r)
        self.outbox_lag = Histogram("bps_outbox_lag_seconds", "Commit to broker ack",
                                    registry=r)
        self.outbox_failures = Counter("bps_outbox_failures_total",
                                       "Outbox rows the relay failed to publish, by error",
                                       ["topic", "error"], registry=r)
        # Alerts: a row failing again and again holds up every later event of its key.
        self.outbox_blocked_rows = Gauge("bps_outbox_blocked_rows",
                                         "Unsent outbox rows that failed alert_after_attempts "
                                         "times or more", registry=r)
        self.outbox_oldest_blocked_seconds = Gauge("bps_outbox_oldest_blocked_seconds",
                                                   "Age of the oldest blocked outbox row",
                                                   registry=r)
        self._refreshed_gauges(r)

    def _refreshed_gauges(self, r: CollectorRegistry) -> None:
        """Set by shared.metrics_refresh every `metrics_refresh_seconds`."""
        self.outbox_unsent_rows = Gauge("bps_outbox_unsent_rows",
                                        "Outbox rows committed and not yet acknowledged by Kafka",
                                        registry=r)
        self.outbox_oldest_unsent_seconds = Gauge(
            "bps_outbox_oldest_unsent_seconds",
            "Age of the oldest unsent outbox row (0 when none waits)", registry=r)
        self.consumer_lag = Gauge(
            "bps_consumer_lag_records",
            "Records on the partition not yet committed by the consumer group (log end offset "
            "minus committed offset), for the partitions this instance is assigned",
            ["consumer", "topic", "partition"], registry=r)
        self.kafka_connected = Gauge("bps_kafka_connected",
                                     "1 when the broker answered the last check, else 0",
                                     registry=r)
        self.db_pool_size = Gauge("bps_db_pool_connections",
                                  "Connections the database pool holds open", registry=r)
        self.db_pool_in_use = Gauge("bps_db_pool_connections_in_use",
                                    "Pool connections acquired right now", registry=r)
        self.db_pool_max = Gauge("bps_db_pool_connections_max",
                                 "The most connections the pool may open", registry=r)

    def service_gauge(self, name: str, documentation: str, refresh: GaugeRefresh,
                      labelnames: tuple[str, ...] = ()) -> Gauge:
        """Register a service's own gauge, refreshed with the plumbing's: `refresh(pool)`
        returns the value, or {label values: value} when `labelnames` are given (label values
        missing from a later answer are dropped, so a drained queue does not linger)."""
        for known in self.service_gauges:
            if known.name == name:  # the app's lifespan ran again: same gauge, new query
                known.refresh = refresh
                return known.gauge
        gauge = Gauge(name, documentation, list(labelnames), registry=self.registry)
        self.service_gauges.append(ServiceGauge(name, gauge, refresh, bool(labelnames)))
        return gauge


def instrument_http(app: FastAPI, metrics: PlumbingMetrics) -> None:
    """bps_http_requests_total and bps_http_request_duration_seconds by method, route template
    (`handler`: /applications/{application_id}, never the id itself; `none` for no route) and
    exact status code. Probes and scrapes are left out (shared.http_metrics)."""
    series = HttpSeries(metrics.registry, frozenset({"/metrics", "/healthz", "/readyz"}))
    app.add_middleware(HttpMetrics, series=series)
