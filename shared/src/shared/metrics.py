"""Prometheus metrics for the event plumbing, one registry per app so tests can run many apps."""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


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
