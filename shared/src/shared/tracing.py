"""OpenTelemetry traces, set up by the standard OTEL_* variables.

A trace follows a journey across services: the HTTP request's span (FastAPI instrumentation)
is the parent of a "create <topic>" span per event written to the outbox, whose W3C
`traceparent` is stored in the row's headers (shared.outbox.envelope_headers) and so reaches
Kafka; the next service's consumer extracts it and handles the event in a "process <topic>"
span that is its child, and the events that handler writes carry the trace on. Database calls
are spans too (asyncpg instrumentation).

Without OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
OTEL_TRACES_EXPORTER=console) nothing is recorded, exported or instrumented: the request path
pays nothing for tracing nobody reads.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import Link, Span, SpanKind

if TYPE_CHECKING:
    from fastapi import FastAPI

    from shared.dlq import FailedMessage

T = TypeVar("T")
NOT_TRACED_URLS = "/healthz,/readyz,/metrics"


@functools.cache
def tracer() -> trace.Tracer:
    # A proxy until a provider is set, then the provider's: cached on first use, not import.
    return trace.get_tracer("bps.shared")


def configure_tracing(service_name: str) -> bool:
    """Install the SDK tracer provider once per process, if there is anywhere to send spans.
    A provider already installed (another service in this process, a test's) is kept.
    True when spans are recorded."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    from opentelemetry.sdk.trace import TracerProvider  # the SDK only where it is used

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return True
    exporters = span_exporters()
    if not exporters:
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Resource.create reads OTEL_RESOURCE_ATTRIBUTES; the sampler reads OTEL_TRACES_SAMPLER.
    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True


def span_exporters() -> list:
    wanted = {e.strip() for e in os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",")}
    exporters = []
    endpoint = (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    if "otlp" in wanted and endpoint:
        protocol = (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                    or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf")
        if protocol != "http/protobuf":
            raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported: the "
                             "services export OTLP over http/protobuf only (port 4318)")
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporters.append(OTLPSpanExporter())  # endpoint, headers, timeout from OTEL_* too
    if "console" in wanted:
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        exporters.append(ConsoleSpanExporter())
    return exporters


def instrument(app: FastAPI) -> None:
    """Server spans for the app's requests (not probes or scrapes) and client spans for every
    asyncpg call in the process."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls=NOT_TRACED_URLS,
                                       exclude_spans=["receive", "send"])
    asyncpg_instrumentor = AsyncPGInstrumentor()  # one per process (a singleton)
    if not asyncpg_instrumentor.is_instrumented_by_opentelemetry:
        asyncpg_instrumentor.instrument()


def recording() -> bool:
    """False while no tracer provider is installed (no exporter configured): the per-event
    spans below would then be no-ops that still cost 20-40 us each (context attach, header
    parsing), a tenth of a hop's own Python; they are skipped instead."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def creating(topic: str, event_id: str) -> contextlib.AbstractContextManager[Span | None]:
    """The span of an event being written to the outbox; its context goes into the headers."""
    if not recording():
        return contextlib.nullcontext()
    return tracer().start_as_current_span(
        f"create {topic}", kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.operation.type": "create",
                    "messaging.destination.name": topic, "messaging.message.id": event_id})


def _context_of(msg: FailedMessage):
    return propagate.extract({k: v.decode(errors="replace") for k, v in msg.headers
                              if v is not None})


def processing(msg: FailedMessage, group: str) -> contextlib.AbstractContextManager[Span | None]:
    """The span of one record handled: a child of the span that wrote it (its headers)."""
    if not recording():
        return contextlib.nullcontext()
    return tracer().start_as_current_span(
        f"process {msg.topic}", context=_context_of(msg), kind=SpanKind.CONSUMER,
        attributes={**_kafka_attributes(msg.topic, group),
                    "messaging.destination.partition.id": str(msg.partition),
                    "messaging.kafka.offset": msg.offset})


def processing_batch(msgs: Iterable[FailedMessage], group: str
                     ) -> contextlib.AbstractContextManager[Span | None]:
    """The span of a batch's transaction (inbox, commit), linked to every record's trace; each
    record's own `processing` span is still a child of its producer's."""
    if not recording():
        return contextlib.nullcontext()
    msgs = list(msgs)
    links = [Link(c) for c in (trace.get_current_span(_context_of(m)).get_span_context()
                               for m in msgs) if c.is_valid]
    topics = sorted({m.topic for m in msgs})
    return tracer().start_as_current_span(
        f"process {','.join(topics)}", kind=SpanKind.CONSUMER, links=links,
        attributes={**_kafka_attributes(topics[0] if topics else "", group),
                    "messaging.batch.message_count": len(msgs)})


def _kafka_attributes(topic: str, group: str) -> dict[str, str]:
    return {"messaging.system": "kafka", "messaging.operation.type": "process",
            "messaging.destination.name": topic, "messaging.consumer.group.name": group}


def untraced(step: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """A background poller's step without spans (the outbox relay polls several times a
    second: a root span each time would bury the journeys' traces)."""
    async def quiet() -> T:
        with suppress_instrumentation():
            return await step()

    return quiet


__all__ = ["configure_tracing", "creating", "instrument", "processing", "processing_batch",
           "span_exporters", "untraced"]
