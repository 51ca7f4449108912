"""Signed webhooks to a real HTTP server on loopback: signature, retries, giving up."""

from contracts.examples import example
from notification.domain import verify
from testkit.harness.events import TopicReader, eventually, publish

from contracts import MatchProposed

from .conftest import FAST, payload


async def register(service, url: str, org: str = "acme") -> dict:
    r = await service.client.post("/webhooks", json={"url": url},
                                  headers=service.auth("hugo", "host", org=org))
    assert r.status_code == 201, r.text
    return r.json()


async def propose(service, org: str = "acme") -> MatchProposed:
    event = example(MatchProposed, host_org_id=org)
    s = service.settings
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, event)
    return event


async def webhook_row(service) -> dict | None:
    row = await service.runtime.pool.fetchrow(
        "SELECT status, attempts, last_error FROM messages WHERE channel = 'webhook'")
    return dict(row) if row else None


async def test_a_host_webhook_gets_a_signed_json_request_that_verifies(service, receiver):
    hook = await register(service, receiver.url)
    assert hook["secret"].startswith("whsec_")
    event = await propose(service)
    [request] = await eventually(receiver.accepted, timeout=30)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert verify(hook["secret"], headers["x-bps-timestamp"], request.body,
                  headers["x-bps-signature"])
    assert not verify("whsec_wrong", headers["x-bps-timestamp"], request.body,
                      headers["x-bps-signature"])
    body = payload(request)
    assert body["message"] == "candidate_proposed"
    assert body["source_event_id"] == str(event.event_id)
    assert body["event"]["host_org_id"] == "acme"
    listed = await service.client.get("/webhooks", headers=service.auth("h", "host", org="acme"))
    assert listed.json()[0]["secret"] is None


async def test_a_receiver_that_fails_three_times_then_succeeds_gets_exactly_one_delivery(
        service, receiver):
    receiver.failures = 3
    await register(service, receiver.url)
    await propose(service)
    await eventually(lambda: _status_is(service, "delivered"), timeout=30)
    assert [r.answered for r in receiver.requests] == [503, 503, 503, 200]
    assert len(receiver.accepted()) == 1
    row = await webhook_row(service)
    assert row["attempts"] == 4 and row["last_error"] is None
    # Nothing more arrives later: the row is final.
    assert await service.runtime.pool.fetchval(
        "SELECT count(*) FROM messages WHERE channel = 'webhook' AND status <> 'delivered'") == 0


async def test_a_receiver_that_always_fails_ends_in_permanent_failure_after_the_limit(
        service, receiver):
    receiver.always_fail = True
    await register(service, receiver.url)
    s = service.settings
    async with TopicReader(s.kafka_bootstrap_servers, s.topic("notifications")) as reader:
        await propose(service)
        failed = await reader.wait_for_event("NotificationFailed", timeout=90,
                                             where=lambda e: e.channel == "webhook")
    assert failed.status == "permanent-failure" and failed.attempts == FAST["max_attempts"]
    assert len(receiver.requests) == FAST["max_attempts"]
    row = await webhook_row(service)
    assert row["status"] == "permanent-failure" and "gave up after 4 attempts" in row["last_error"]
    hr = await service.client.get("/notifications", params={"status": "permanent-failure"},
                                  headers=service.auth("hana", "hr"))
    assert [n["channel"] for n in hr.json()] == ["webhook"]


async def test_no_webhook_is_sent_to_a_host_that_registered_none(service, receiver, smtp):
    await propose(service, org="quiet-ltd")
    await eventually(lambda: [m for m in smtp.messages()
                              if m["X-Envelope-To"] == "host.quiet-ltd@placements.example"],
                     timeout=30)
    assert await webhook_row(service) is None and receiver.requests == []


async def test_only_hosts_with_an_organisation_register_webhooks_at_http_urls(service):
    post = service.client.post
    as_applicant = await post("/webhooks", json={"url": "http://x.example/h"},
                              headers=service.auth("a", "applicant"))
    assert as_applicant.status_code == 403
    no_org = await post("/webhooks", json={"url": "http://x.example/h"},
                        headers=service.auth("h", "host"))
    assert no_org.status_code == 422 and no_org.json()["field"] == "org"
    bad_url = await post("/webhooks", json={"url": "ftp://x.example/h"},
                         headers=service.auth("h", "host", org="acme"))
    assert bad_url.status_code == 422
    extra = await post("/webhooks", json={"url": "http://x.example/h", "x": 1},
                       headers=service.auth("h", "host", org="acme"))
    assert extra.status_code == 422


async def _status_is(service, status: str) -> bool:
    row = await webhook_row(service)
    return bool(row) and row["status"] == status
