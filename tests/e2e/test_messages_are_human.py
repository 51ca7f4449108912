"""After whole journeys, every email in the e2e mail folder reads as words: names, the
opportunity's title and host, dates like "5 January 2027", stages in plain English, and a link
to the page where the reader acts. Links may carry ids (the page needs one); what a person
reads never shows a raw id (UUID) or an ISO timestamp."""

from __future__ import annotations

import re
from email.message import EmailMessage

from tests.e2e.actors import Users, grant_in_order
from tests.e2e.conftest import Mailbox, World

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}|\b)")
LINK = re.compile(r"https?://\S+")


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def machine_marks(message: EmailMessage) -> list[str]:
    readable = LINK.sub("", f"{message['Subject']}\n{body(message)}")
    return UUID.findall(readable) + [m.group(0) for m in ISO_TIMESTAMP.finditer(readable)]


async def civil_servant(world: World, what: str):
    department, manager = world.name(f"{what}-dept"), world.name(f"{what}-manager")
    person = world.applicant(what)
    await person.civil_servant(department, manager, preferred_regions=["North West"])
    return person, department, manager


def chain(users: Users, department: str, manager: str) -> list:
    return [("line_manager", users.line_manager(manager)),
            ("departmental_hr", users.departmental_hr(department)),
            ("conflict_of_interest", users.ethics())]


async def test_no_email_after_whole_journeys_shows_a_raw_id_or_an_iso_timestamp(
        world: World, users: Users, mail: Mailbox) -> None:
    host = world.host("grid")
    opportunity = await world.publish(host, "industry", host_name=f"Grid Co {world.tag}")
    title = f"industry secondment {world.tag}"
    placed, department, manager = await civil_servant(world, "placed")
    app = await world.apply(placed, "industry")
    await grant_in_order(app.id, chain(users, department, manager) + [("host_acceptance",
                                                                         host)])
    await placed.wait_status(app.id, "confirmed")
    placed_mail = f"{placed.sub}@civilservice.example"
    got = await mail.wait(placed_mail, "received your placement application",
                          "found a possible placement", "passed line manager approval",
                          "passed conflict of interest check", "is confirmed")
    await mail.wait(f"host.{host.org}@placements.example",
                    f"candidate has been proposed for {title}", "Placement confirmed from")
    await mail.wait(f"{manager}@placements.example",
                    f"decision is needed: line manager approval for {title}")

    [confirmed] = [m for m in got if "is confirmed" in str(m["Subject"])]
    text = body(confirmed)
    assert f"Dear Civil servant {placed.sub}" in text
    assert f"{title} at Grid Co {world.tag}" in text
    assert re.search(r"from [1-9]\d? February \d{4} to [1-9]\d? \w+ \d{4}", text), text
    assert f"/applications/{app.id}" in text

    # A second applicant, refused at the ethics stage with a reason (the place above is taken).
    await world.publish(world.host("second-grid"), "industry",
                        host_name=f"Second Grid {world.tag}")
    refused, department, manager = await civil_servant(world, "refused")
    second = await world.apply(refused, "industry")
    await grant_in_order(second.id, chain(users, department, manager)[:2])
    ethics = users.ethics()
    stage = await ethics.waiting_stage(second.id, "conflict_of_interest")
    await ethics.refuse(stage.id, "advised Grid Co on a contract in 2026")
    told = await mail.wait(f"{refused.sub}@civilservice.example",
                           "not approved at the conflict of interest check stage",
                           "will not go ahead")
    [refusal] = [m for m in told if "not approved" in str(m["Subject"])]
    assert "Reason given: advised Grid Co on a contract in 2026" in body(refusal)
    assert f"{title} at Second Grid {world.tag}" in body(refusal)
    assert opportunity.opportunity_id != stage.opportunity_id

    offenders = [(m["To"], str(m["Subject"]), marks) for m in mail.all()
                 if (marks := machine_marks(m))]
    assert len(mail.all()) >= 10 and offenders == []
