"""Through the real broker, database and SMTP: messages name the applicant, the opportunity and
its host (kept from the opportunities topic), give dates in words and link to the web page
where the reader acts; no raw id or machine timestamp is left for a person to read."""

import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from contracts.examples import example
from notification import repository as repo
from notification.app import build_app
from notification.config import NotificationSettings
from notification.domain import PENDING_APPLICANT
from notification.wording import machine_marks
from testkit.harness import service as testing_service  # its test_settings is no test
from testkit.harness.events import eventually, publish

from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApprovalStageOpened,
    MatchProposed,
    OpportunityPublished,
)

from .conftest import FAST

WEB = "https://placements.example.gov.uk"
DUE = datetime(2027, 1, 19, 17, 0, tzinfo=UTC)


@asynccontextmanager
async def notification(smtp):
    settings = await testing_service.test_settings(NotificationSettings, smtp_port=smtp.port,
                                                   web_base_url=WEB, **FAST)
    async with testing_service.running_service(build_app, settings) as service:
        yield service


def mails_to(smtp, address: str) -> list:
    return [m for m in smtp.messages() if m["X-Envelope-To"] == address]


def a_journey(applicant: str) -> tuple[OpportunityPublished, ApplicationSubmitted, MatchProposed]:
    app_id, opp_id = uuid.uuid4(), uuid.uuid4()
    opportunity = example(OpportunityPublished, opportunity_id=opp_id,
                          title="Net zero grid secondment", host_name="Northern Power Networks")
    application = example(ApplicationSubmitted, application_id=app_id, correlation_id=app_id,
                          applicant_id=applicant, applicant_email=f"{applicant}@dept.example",
                          applicant_name="Alice Smith")
    match = example(MatchProposed, application_id=app_id, correlation_id=app_id,
                    applicant_id=applicant, opportunity_id=opp_id, match_id=uuid.uuid4())
    return opportunity, application, match


def stage_opened(match: MatchProposed, approver: str) -> ApprovalStageOpened:
    return example(ApprovalStageOpened, application_id=match.application_id,
                   match_id=match.match_id, applicant_id=match.applicant_id,
                   correlation_id=match.application_id, stage="line_manager",
                   approver_role="line_manager", approver_id=approver, approver_org_id=None,
                   due_at=DUE, stage_id=uuid.uuid4())


async def test_an_approver_is_emailed_who_what_and_when_in_words_with_a_link_to_decide(smtp):
    applicant, approver = f"alice-{uuid.uuid4().hex[:6]}", f"raj-{uuid.uuid4().hex[:6]}"
    opportunity, application, match = a_journey(applicant)
    async with notification(smtp) as service:
        s, pool = service.settings, service.runtime.pool
        await publish(s.kafka_bootstrap_servers, s.topic_prefix, opportunity, application)
        # Separate topics keep no order between them: each fact is in before what needs it.
        await eventually(lambda: pool.fetchval(
            "SELECT title FROM opportunity_facts WHERE opportunity_id = $1",
            opportunity.opportunity_id), timeout=30)
        await eventually(lambda: mails_to(smtp, f"{applicant}@dept.example"), timeout=30)
        await publish(s.kafka_bootstrap_servers, s.topic_prefix, match)
        [_, proposed] = await eventually(
            lambda: (m := mails_to(smtp, f"{applicant}@dept.example")) and len(m) == 2 and m,
            timeout=30)
        opened = stage_opened(match, approver)
        await publish(s.kafka_bootstrap_servers, s.topic_prefix, opened)
        [asked] = await eventually(lambda: mails_to(smtp, f"{approver}@placements.example"),
                                   timeout=30)

        async def inbox() -> list | None:
            r = await service.client.get("/inbox", headers=service.auth(approver, "line_manager"))
            return r.json() if r.status_code == 200 and r.json() else None

        [item] = await eventually(inbox, timeout=30)

    body = asked.get_content()
    assert str(asked["Subject"]).strip() == ("Your decision is needed: line manager approval for "
                                "Net zero grid secondment")
    assert "The application from Alice Smith" in body
    assert "Net zero grid secondment at Northern Power Networks" in body
    assert "Please decide by 19 January 2027" in body
    assert f"{WEB}/tasks/{opened.stage_id}" in body
    assert machine_marks(body) == [], body
    # The in-app copy reads the same, and says as ids what it is about, for other pages.
    assert "The application from Alice Smith" in item["body"]
    assert machine_marks(item["body"]) == []
    assert item["about"]["stage_id"] == str(opened.stage_id)
    assert item["about"]["application_id"] == str(application.application_id)
    proposed_body = proposed.get_content()
    assert "Net zero grid secondment at Northern Power Networks" in proposed_body
    assert f"{WEB}/applications/{application.application_id}" in proposed_body
    assert machine_marks(proposed_body) == [], proposed_body


async def test_a_name_opened_late_reaches_messages_to_others_and_erasure_takes_it_out(smtp):
    applicant, approver = f"bo-{uuid.uuid4().hex[:6]}", f"kim-{uuid.uuid4().hex[:6]}"
    _, _, match = a_journey(applicant)
    async with notification(smtp) as service:
        s, pool = service.settings, service.runtime.pool
        # No application seen yet: the approver's message names "the applicant" for now.
        await publish(s.kafka_bootstrap_servers, s.topic_prefix, stage_opened(match, approver))

        async def inbox_body() -> str | None:
            return await pool.fetchval(
                "SELECT body FROM messages WHERE recipient_id = $1 AND channel = 'inbox'",
                approver)

        pending = await eventually(inbox_body, timeout=30)
        assert PENDING_APPLICANT in pending
        async with pool.acquire() as conn:  # what the opener does with a sealed name
            await repo.upsert_contact(conn, applicant, f"{applicant}@dept.example", "Bo Chen",
                                      "application")
            await repo.fill_in_name(conn, applicant, "Bo Chen")
        assert "The application from Bo Chen" in await inbox_body()

        await publish(s.kafka_bootstrap_servers, s.topic_prefix,
                      example(ApplicantErased, applicant_id=applicant,
                              application_ids=(match.application_id,)))
        await eventually(lambda: _without("Bo Chen", inbox_body), timeout=30)


async def _without(name: str, read) -> bool:
    body = await read()
    return body is not None and name not in body and "the applicant" in body
