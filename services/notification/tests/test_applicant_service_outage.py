"""The applicant service (which hands out the data keys that open applicants' sealed contact
details) being down holds up nothing but the emails waiting for those addresses: every topic
keeps being consumed, hosts and approvers are notified, and the applicants' emails go out
once the key service is back. Real broker, real database, real SMTP and HTTP on loopback."""

import json
import threading
import uuid
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from contracts.examples import example
from notification.app import build_app
from notification.config import NotificationSettings
from shared.crypto import encode_key, new_data_key, seal
from testkit.harness import service as testing_service  # its test_settings is no test
from testkit.harness.events import eventually, publish

from contracts import ApplicationSubmittedV2, ApprovalStageOpened, MatchProposed, SealedContact

from .conftest import FAST, free_port


def sealed_submission(applicant: str, key: bytes, email: str) -> ApplicationSubmittedV2:
    app_id = uuid.uuid4()
    contact = seal(key, applicant, {"name": "Sealed Person", "email": email},
                   ApplicationSubmittedV2.contact_context(app_id, applicant))
    return example(ApplicationSubmittedV2, application_id=app_id, correlation_id=app_id,
                   applicant_id=applicant, applicant_contact=SealedContact(**contact))


@contextmanager
def key_service(port: int, keys: dict[str, bytes]):
    """Stands in for the applicant service's GET /internal/data-keys/{id}."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            key_id = self.path.rsplit("/", 1)[-1]
            asked.append(self.headers.get("Authorization", ""))
            found = key_id in keys and self.path.startswith("/internal/data-keys/")
            body = json.dumps({"key": encode_key(keys[key_id])} if found else {}).encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()


@asynccontextmanager
async def notification(smtp, applicant_port: int):
    settings = await testing_service.test_settings(
        NotificationSettings, smtp_port=smtp.port, address_recheck_seconds=0.2,
        applicant_url=f"http://127.0.0.1:{applicant_port}", **FAST)
    async with testing_service.running_service(build_app, settings) as service:
        yield service


def mails_to(smtp, address: str) -> list:
    return [m for m in smtp.messages() if m["X-Envelope-To"] == address]


async def delivered(service, recipient: str, source_event_id: uuid.UUID, channel: str) -> bool:
    return await service.runtime.pool.fetchval(
        "SELECT status = 'delivered' FROM messages WHERE recipient_id = $1"
        " AND source_event_id = $2 AND channel = $3", recipient, source_event_id, channel)


async def test_with_the_applicant_service_down_every_topic_flows_and_applicants_mail_waits(smtp):
    applicant = f"sealed-{uuid.uuid4().hex[:6]}"
    key = new_data_key()
    submission = sealed_submission(applicant, key, f"{applicant}@dept.example")
    proposed = example(MatchProposed, application_id=submission.application_id,
                       correlation_id=submission.application_id, applicant_id=applicant,
                       host_org_id="outage-host")
    opened = example(ApprovalStageOpened, applicant_id=applicant, approver_role="host",
                     approver_id=None, approver_org_id="outage-host")
    port = free_port()  # nothing listens there yet: the applicant service is down
    async with notification(smtp, port) as service:
        s = service.settings
        await publish(s.kafka_bootstrap_servers, s.topic_prefix, submission, proposed, opened)

        # Every record was consumed (inbox rows commit with the effects, offsets after them)...
        async def all_consumed():
            return await service.runtime.pool.fetchval(
                "SELECT count(*) = 3 FROM inbox WHERE event_id = ANY($1::uuid[])",
                [submission.event_id, proposed.event_id, opened.event_id])
        await eventually(all_consumed, timeout=30)
        # ...and the host heard about the proposal and the stage, in-app and by email.
        await eventually(lambda: delivered(service, "host.outage-host", proposed.event_id,
                                           "inbox"), timeout=30)
        await eventually(lambda: len(mails_to(smtp, "host.outage-host@placements.example")) == 2,
                         timeout=30)
        # The applicant's emails wait for the address, without spending attempts.
        waiting = await service.runtime.pool.fetch(
            "SELECT status, attempts FROM messages WHERE recipient_id = $1 AND channel = 'email'",
            applicant)
        assert len(waiting) == 2 and {(r["status"], r["attempts"]) for r in waiting} == {
            ("created", 0)}
        assert mails_to(smtp, f"{applicant}@dept.example") == []

        with key_service(port, {applicant: key}) as asked:
            mails = await eventually(
                lambda: len(mails_to(smtp, f"{applicant}@dept.example")) == 2 and
                mails_to(smtp, f"{applicant}@dept.example"), timeout=30)
        assert asked and all(a.startswith("Bearer ") for a in asked)
        assert all("Dear Sealed Person" in m.get_content() for m in mails)
        # Opened into the contact directory; the sealed copy is not kept once opened.
        assert await service.runtime.pool.fetchval(
            "SELECT count(*) FROM sealed_contacts WHERE applicant_id = $1", applicant) == 0
