"""Prometheus metrics for the event plumbing, one registry per app so tests can run many apps."""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class PlumbingMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

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
