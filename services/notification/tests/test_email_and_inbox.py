"""Events in from the real broker, mail out through a real SMTP server on loopback."""

import uuid

from contracts.examples import example
from testkit.harness.events import TopicReader, eventually, publish, publish_raw

from contracts import ApplicationSubmitted, ApprovalGranted, ApprovalStageOpened


def submitted(applicant: str = "alice", email: str = "alice@dept.example") -> ApplicationSubmitted:
    app_id = uuid.uuid4()
    return example(ApplicationSubmitted, application_id=app_id, correlation_id=app_id,
                   applicant_id=applicant, applicant_email=email, applicant_name="Alice Smith")


def mails_to(smtp, address: str) -> list:
    return [m for m in smtp.messages() if m["X-Envelope-To"] == address]


async def test_a_submitted_application_emails_the_applicant_at_their_address(service, smtp):
    s = service.settings
    event = submitted()
    async with TopicReader(s.kafka_bootstrap_servers, s.topic("notifications")) as reader:
        await publish(s.kafka_bootstrap_servers, s.topic_prefix, event)
        await eventually(lambda: mails_to(smtp, "alice@dept.example"), timeout=30)
        delivered = await reader.wait_for_event(
            "NotificationDelivered", where=lambda e: e.channel == "email")
    [mail] = mails_to(smtp, "alice@dept.example")
    assert mail["Subject"] == "We have received your placement application"
    text = mail.get_content()
    assert "Dear Alice Smith" in text and str(event.application_id) in text
    assert delivered.source_event_id == event.event_id and delivered.recipient_id == "alice"
    # PII stays in our database: our own events carry ids, not the address.
    raw = [r.value for r in reader.records]
    assert not any(b"alice@dept.example" in v or b"Alice Smith" in v for v in raw)


async def test_the_same_event_redelivered_three_times_sends_one_email(service, smtp):
    s = service.settings
    event = submitted("bob", "bob@dept.example")
    for _ in range(3):
        await publish(s.kafka_bootstrap_servers, s.topic_prefix, event)
    marker = example(ApprovalGranted, applicant_id="bob")  # published after the copies
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, marker)
    await eventually(lambda: len(mails_to(smtp, "bob@dept.example")) >= 2, timeout=30)
    await eventually(lambda: _inbox_duplicates(service, event), timeout=10)
    subjects = [m["Subject"] for m in mails_to(smtp, "bob@dept.example")]
    assert subjects.count("We have received your placement application") == 1


async def _inbox_duplicates(service, event) -> bool:
    return await service.runtime.pool.fetchval(
        "SELECT duplicates = 2 FROM inbox WHERE event_id = $1", event.event_id)


async def test_an_approver_without_a_directory_entry_gets_the_default_address_and_hr_can_set_one(
        service, smtp):
    s = service.settings
    opened = example(ApprovalStageOpened, approver_role="host", approver_id=None,
                     approver_org_id="acme")
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, opened)
    await eventually(lambda: mails_to(smtp, "host.acme@placements.example"), timeout=30)

    hr = service.auth("hana", "hr")
    put = await service.client.put("/contacts/acme", headers=hr,
                                   json={"email": "approvals@acme.example"})
    assert put.status_code == 200, put.text
    again = example(ApprovalStageOpened, approver_role="host", approver_id=None,
                    approver_org_id="acme")
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, again)
    [mail] = await eventually(lambda: mails_to(smtp, "approvals@acme.example"), timeout=30)
    assert "Your decision is needed" in mail["Subject"]
    bad = await service.client.put("/contacts/acme", headers=hr, json={"email": "nope"})
    assert bad.status_code == 422
    denied = await service.client.put("/contacts/acme", headers=service.auth("x", "host"),
                                      json={"email": "a@b.example"})
    assert denied.status_code == 403


async def test_the_inbox_shows_my_messages_only_and_marks_them_read(service, smtp):
    s = service.settings
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, submitted("carol", "c@d.example"))
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, submitted("dave", "d@d.example"))
    carol = service.auth("carol", "applicant")

    async def carols_inbox():
        r = await service.client.get("/inbox", headers=carol)
        return r.json() if r.status_code == 200 and r.json() else None

    [item] = await eventually(carols_inbox, timeout=30)
    assert item["subject"] == "We have received your placement application"
    dave = service.auth("dave", "applicant")
    other = await service.client.post(f"/inbox/{item['id']}/read", headers=dave)
    assert other.status_code == 404
    read = await service.client.post(f"/inbox/{item['id']}/read", headers=carol)
    assert read.status_code == 200 and read.json()["read_at"]
    unread = await service.client.get("/inbox", params={"unread_only": True}, headers=carol)
    assert unread.json() == []

    mine = (await service.client.get("/notifications", headers=carol)).json()
    assert {n["recipient_id"] for n in mine} == {"carol"}
    assert {n["channel"] for n in mine} == {"email", "inbox"}
    hr = service.auth("hana", "hr")
    everyone = (await service.client.get("/notifications", headers=hr)).json()
    assert {"carol", "dave"} <= {n["recipient_id"] for n in everyone}
    too_big = await service.client.get("/notifications", params={"limit": 10_000}, headers=hr)
    assert too_big.status_code == 422


async def test_a_dead_letter_is_reported_to_hr_by_email(service, smtp):
    s = service.settings
    await publish_raw(s.kafka_bootstrap_servers, s.topic("applications"), b"{not json",
                      key=b"k")
    [mail] = await eventually(lambda: mails_to(smtp, "hr@placements.example"), timeout=30)
    assert "could not be processed" in mail["Subject"]
    assert "invalid_message" in mail.get_content()


async def test_a_burst_to_one_recipient_is_deferred_not_dropped(smtp):
    from notification.app import build_app
    from notification.config import NotificationSettings
    from testkit.harness.service import running_service, test_settings

    from .conftest import FAST

    settings = await test_settings(NotificationSettings, smtp_port=smtp.port,
                                   **{**FAST, "rate_burst": 2, "rate_per_minute": 120})
    async with running_service(build_app, settings) as service:
        # Erin's address arrives with her application, as it does for every applicant.
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix,
                      submitted("erin", "erin@dept.example"))
        await eventually(lambda: len(mails_to(smtp, "erin@dept.example")) == 1, timeout=30)
        events = [example(ApprovalGranted, applicant_id="erin") for _ in range(5)]
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, *events)
        await eventually(lambda: len(mails_to(smtp, "erin@dept.example")) == 6, timeout=60)
        query = ("SELECT delivered_at FROM messages WHERE channel = 'email'"
                 " AND source_event_type = 'ApprovalGranted' ORDER BY delivered_at")

        async def all_recorded():
            # The SMTP server sees a mail before the worker records its delivery time.
            rows = await service.runtime.pool.fetch(query)
            return rows if all(r["delivered_at"] for r in rows) else None

        rows = await eventually(all_recorded, timeout=30)
    times = [r["delivered_at"] for r in rows]
    # Two at once (the burst), then one every half second: the last is >= 1.5 s after the first.
    assert (times[-1] - times[0]).total_seconds() >= 1.2


async def test_a_reminder_without_a_named_approver_goes_to_whoever_the_stage_asked(service, smtp):
    from contracts import ApprovalReminderDue

    s = service.settings
    case_id, app_id = uuid.uuid4(), uuid.uuid4()
    opened = example(ApprovalStageOpened, case_id=case_id, application_id=app_id,
                     correlation_id=app_id, stage="host_acceptance", approver_role="host",
                     approver_id=None, approver_org_id="globex")
    reminder = example(ApprovalReminderDue, case_id=case_id, application_id=app_id,
                       correlation_id=app_id, stage="host_acceptance", approver_role="host",
                       approver_id=None)
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, opened, reminder)
    mails = await eventually(lambda: len(mails_to(smtp, "host.globex@placements.example")) == 2
                             and mails_to(smtp, "host.globex@placements.example"), timeout=30)
    assert any(m["Subject"].startswith("Reminder: your decision is due") for m in mails)
    assert mails_to(smtp, "host@placements.example") == []



async def test_after_a_crash_mid_send_an_inbox_message_is_delivered_again_an_email_is_not(
        service, smtp):
    s = service.settings
    await publish(s.kafka_bootstrap_servers, s.topic_prefix, submitted("erin", "e@d.example"))
    erin = service.auth("erin", "applicant")

    async def erins_inbox():
        r = await service.client.get("/inbox", headers=erin)
        return r.json() if r.status_code == 200 and r.json() else None

    await eventually(erins_inbox, timeout=30)
    await eventually(lambda: mails_to(smtp, "e@d.example"), timeout=30)
    pool = service.runtime.pool
    # What a SIGKILL between claim and outcome leaves behind: both rows `sending`, long ago,
    # claimed by a process that is gone.
    await pool.execute("UPDATE messages SET status = 'sending', delivered_at = NULL,"
                       " sending_since = now() - interval '1 hour',"
                       " claimed_by = gen_random_uuid() WHERE recipient_id = 'erin'")
    assert await erins_inbox() is None

    [item] = await eventually(erins_inbox, timeout=30)
    statuses = dict(await pool.fetch("SELECT channel, status FROM messages"
                                     " WHERE recipient_id = 'erin'"))
    assert item["subject"] == "We have received your placement application"
    assert statuses == {"inbox": "delivered", "email": "technical-failure"}
    assert len(mails_to(smtp, "e@d.example")) == 1  # an email in doubt is never sent again
