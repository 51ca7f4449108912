"""One trace from an HTTP request in one service to the consumer of its event in another: the
applicant's POST /applications writes ApplicationSubmitted to its outbox with the trace context
in the row's headers, the relay carries them to Kafka, and matching's consumer handles the
event in a span that is a child of the applicant's. Both services in this process, on the real
broker and database; spans collected in memory."""

import contextlib
import uuid
from datetime import date, timedelta

import pytest
from applicant.app import build_app as build_applicant
from applicant.config import ApplicantSettings
from matching.app import build_app as build_matching
from matching.config import MatchingSettings
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from testkit.harness.events import eventually
from testkit.harness.service import running_service, unique_prefix
from testkit.harness.service import test_settings as fresh_settings

PROFILE = {"kind": "civil_servant", "name": "Asha Patel", "email": "asha.patel@dbt.gov.uk",
           "organisation_id": "dept-dbt", "grade": "G7", "profession": "Policy",
           "line_manager_id": "manager-1", "skills": ["trade policy"],
           "sectors": ["clean_energy"], "preferred_regions": ["North West"]}


@pytest.fixture
def spans():
    """Every span this process finishes during the test (an SDK provider is installed once per
    process; its in-memory exporter is shut when the test ends)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@contextlib.asynccontextmanager
async def applicant_and_matching():
    prefix = unique_prefix()  # one topic namespace: matching reads what applicant writes
    fast = dict(consumer_retry_backoff_seconds=0.01, write_rate_per_minute=100_000)
    applicant = await fresh_settings(ApplicantSettings, topic_prefix=prefix, **fast)
    matching = await fresh_settings(MatchingSettings, topic_prefix=prefix, **fast)
    async with running_service(build_applicant, applicant) as a, \
            running_service(build_matching, matching) as m:
        yield a, m


async def submit_application(applicant) -> str:
    headers = applicant.auth(f"applicant-{uuid.uuid4().hex[:8]}", "applicant")
    r = await applicant.client.put("/applicants/me", json=PROFILE, headers=headers)
    assert r.status_code in (200, 201), r.text
    start = (date.today() + timedelta(days=30)).isoformat()
    r = await applicant.client.post("/applications", headers=headers, json={
        "scheme": "industry", "earliest_start": start, "desired_length_months": 6})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def attr(span: ReadableSpan, name: str) -> object:
    return (span.attributes or {}).get(name)


def consumed_by(spans: list[ReadableSpan], topic: str, group: str) -> list[ReadableSpan]:
    return [s for s in spans if s.kind is SpanKind.CONSUMER and s.name == f"process {topic}"
            and attr(s, "messaging.consumer.group.name") == group]


async def test_a_submitted_application_is_one_trace_from_the_request_to_matching_consumer(
        spans):
    async with applicant_and_matching() as (applicant, matching):
        await submit_application(applicant)
        topic = applicant.settings.topic("applications")
        group = matching.settings.topic("matching")
        [post] = [s for s in spans.get_finished_spans()
                  if s.kind is SpanKind.SERVER and s.name == "POST /applications"]
        trace_id = post.context.trace_id

        def consumer_span() -> ReadableSpan | None:
            return next((s for s in consumed_by(spans.get_finished_spans(), topic, group)
                         if s.context.trace_id == trace_id), None)

        consumer = await eventually(consumer_span, timeout=60)
    finished = {s.context.span_id: s for s in spans.get_finished_spans()}
    # Its parent is the applicant's "create" span of the outbox row, itself within the request.
    create = finished[consumer.parent.span_id]
    assert (create.kind, create.name) == (SpanKind.PRODUCER, f"create {topic}")
    assert create.context.trace_id == trace_id
    assert _ancestors(create, finished)[-1] is post
    # The handler's database work is inside the consumer's span.
    assert any(s.parent and s.parent.span_id == consumer.context.span_id
               and s.kind is SpanKind.CLIENT for s in finished.values())


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain
