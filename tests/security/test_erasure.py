"""Right to erasure, through the five real services: an applicant in the middle of an approval
erases themselves; afterwards no service database holds their name or email, a replay of
every topic from offset 0 finds no plaintext of it, and the sealed copy on the stream can no
longer be opened because their data key is gone (crypto-shredding)."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
from contracts.examples import example
from shared.auth import mint_dev_token
from testkit.harness.events import publish

from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    MatchProposed,
    parse_event,
)
from tests.e2e.actors import Users, wait_for
from tests.security.pii_journey import YEAR, Person, database_hits, leaks, mail_to, read_every_topic


def bearer(sub: str, *roles: str, org: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(sub, list(roles), org)}"}


async def all_hits(system, person: Person) -> dict[str, list[str]]:
    return {name: await database_hits(dsn, person) for name, dsn in system.dsns.items()}


async def in_approval_with_a_granted_stage(users: Users, tag: str) -> tuple[Person, str]:
    host = users.host(f"erase-host-{tag}")
    await host.post_opportunity(
        host_name=f"Erasure Labs {tag}", host_staff_count=400, host_sector="life_sciences",
        country="GB", region="Wales", scheme="industry", title=f"Erasure {tag}",
        sector="life_sciences", required_skills=[], desired_skills=[],
        start_window_from=f"{YEAR - 1}-02-01", start_window_to=f"{YEAR - 1}-06-30",
        length_months=2, clearance_needed="none", capacity=1,
        closing_date=f"{YEAR - 1}-01-15")
    person = Person.new()
    applicant = users.applicant(person.sub)
    manager = f"erase-manager-{tag}"
    await applicant.civil_servant(f"erase-dept-{tag}", manager, name=person.name,
                                  email=person.email, sectors=["life_sciences"],
                                  preferred_regions=["Wales"])
    application = await applicant.submit("industry", f"{YEAR - 1}-02-01", 2)
    await applicant.wait_status(application.id, "in_approval", within=60)
    stage = await users.line_manager(manager).waiting_stage(application.id, "line_manager",
                                                            within=60)
    await users.line_manager(manager).grant(stage.id, note="knows the applicant well")
    return person, str(application.id)


async def test_an_erased_applicant_leaves_no_personal_data_in_any_database_or_topic(
        security_system):
    async with Users.of(security_system) as users:
        person, application_id = await in_approval_with_a_granted_stage(users, "self")
        await mail_to(security_system, person.email, count=2)
        before = await all_hits(security_system, person)
        # Positive control: the data really was there, where the scan looks.
        assert before["applicant"] and before["notification"], before

        me = users.applicant(person.sub)
        erased = await me.raw("applicant", "DELETE", "/applicants/me")
        assert erased.status_code == 204, erased.text
        assert (await me.raw("applicant", "GET", "/applicants/me")).status_code == 404
        assert (await me.raw("applicant", "DELETE", "/applicants/me")).status_code == 404
        # The live application was withdrawn on the way out; its case closes downstream.
        await me.wait_status(application_id, "withdrawn", within=60)

    seen: dict = {}

    async def nothing_left() -> dict | None:
        seen.update(await all_hits(security_system, person))
        return None if any(seen.values()) else seen or {"clean": []}
    await wait_for(nothing_left, lambda: f"every service database to drop the erased "
                   f"applicant's data (still there: {seen})", 60, interval=0.5)

    async def approvers_notes_gone() -> bool:
        # Free text written about them (the line manager's note) goes too; decisions stay.
        conn = await asyncpg.connect(security_system.dsns["approval"])
        try:
            notes = await conn.fetch(
                "SELECT s.status, s.note FROM stages s JOIN cases c ON c.id = s.case_id"
                " WHERE c.applicant_id = $1", person.sub)
        finally:
            await conn.close()
        return bool(notes) and all(n["note"] is None for n in notes) and \
            any(n["status"] == "granted" for n in notes)
    await wait_for(approvers_notes_gone, "approval to drop the notes about the erased applicant",
                   60, interval=0.5)

    records = await read_every_topic(security_system)
    assert [hit for r in records for hit in leaks(r, person, pii_fields_too=True)] == []
    sealed = [e for e in (parse_event(r.value) for r in records if r.topic == "applications")
              if isinstance(e, ApplicationSubmittedV2) and e.applicant_id == person.sub]
    assert len(sealed) == 1 and sealed[0].applicant_contact.key_id == person.sub
    erasures = [r for r in records if b'"ApplicantErased"' in r.value and
                person.sub.encode() in r.value]
    assert len(erasures) == 1
    async with httpx.AsyncClient(base_url=security_system.url("applicant")) as http:
        key = await http.get(f"/internal/data-keys/{person.sub}",
                             headers=bearer("svc:notification"))
    assert key.status_code == 404, "the data key outlived the erasure: " + key.text


async def test_central_hr_erases_on_request_and_nobody_else_can(security_system):
    person = Person.new()
    async with httpx.AsyncClient(base_url=security_system.url("applicant"), timeout=20) as http:
        made = await http.put("/applicants/me", headers=bearer(person.sub, "applicant"), json={
            "kind": "diplomat", "name": person.name, "email": person.email,
            "organisation_id": "post-erasure", "grade": "SEO"})
        assert made.status_code == 201, made.text
        path = f"/applicants/{person.sub}/erase"
        assert (await http.post(path)).status_code == 401
        assert (await http.post(path, headers=bearer("someone-else", "applicant"))
                ).status_code == 403
        assert (await http.post(path, headers=bearer("dept-hr", "hr", org="dept-x"))
                ).status_code == 404  # departmental HR does not see other people
        assert (await http.post(path, headers=bearer("central-hr", "hr"))).status_code == 204
        assert (await http.post(path, headers=bearer("central-hr", "hr"))).status_code == 404
        profile = await http.get(f"/applicants/{person.sub}", headers=bearer("central-hr", "hr"))
        assert profile.status_code == 404
    hits = await database_hits(security_system.dsns["applicant"], person)
    assert hits == []


async def inbox_holds(dsn: str, *event_ids: uuid.UUID) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(DISTINCT event_id) FROM inbox"
                                   " WHERE event_id = ANY($1::uuid[])", list(event_ids)) == \
            len(event_ids)
    finally:
        await conn.close()


async def consumed_everywhere(system, *events) -> None:
    """Waits until every consuming service has applied (inbox) all of `events`."""
    ids = [e.event_id for e in events]
    for name in ("notification", "matching", "approval", "monitor"):
        # Matching does not read the matches topic; every other one reads all three events'.
        wanted = [i for e, i in zip(events, ids, strict=True)
                  if name != "matching" or not isinstance(e, MatchProposed)]

        async def applied(dsn=system.dsns[name], wanted=wanted) -> bool:
            return await inbox_holds(dsn, *wanted)
        await wait_for(applied, f"{name} to consume {len(wanted)} events", 60, interval=0.3)


async def rows_about(dsn: str, sql: str, applicant_id: str) -> list:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, applicant_id)
    finally:
        await conn.close()


async def test_an_erasure_that_overtakes_the_submission_it_erases_still_leaves_nothing_behind(
        security_system):
    """ApplicantErased (keyed by applicant) and the submission (keyed by application) sit on
    different partitions: here the erasure is consumed first, then the submission (a v1 one,
    with the name and email in plain text, as a replay could bring back) and a proposal for it.
    No service may keep anything of the person."""
    s = security_system
    person = Person.new()
    app_id = uuid.uuid4()
    erased = example(ApplicantErased, applicant_id=person.sub, application_ids=(app_id,))
    await publish(s.bootstrap, s.prefix, erased)
    await consumed_everywhere(s, erased)

    late = example(ApplicationSubmitted, application_id=app_id, correlation_id=app_id,
                   applicant_id=person.sub, applicant_name=person.name,
                   applicant_email=person.email, earliest_start=f"{YEAR + 2}-02-01")
    proposed = example(MatchProposed, application_id=app_id, correlation_id=app_id,
                       applicant_id=person.sub, host_org_id=f"erasure-host-{person.sub}")
    await publish(s.bootstrap, s.prefix, late, proposed)
    await consumed_everywhere(s, erased, late, proposed)

    assert await all_hits(s, person) == {name: [] for name in s.dsns}
    assert await rows_about(s.dsns["matching"], "SELECT application_id FROM applications"
                            " WHERE applicant_id = $1", person.sub) == []
    assert await rows_about(s.dsns["notification"], "SELECT id FROM messages"
                            " WHERE recipient_user = $1", person.sub) == []
    # The proposal opened no approval stage: its case closed at once, the place released.
    cases = await rows_about(s.dsns["approval"], "SELECT c.status, count(st.id) AS stages"
                             " FROM cases c LEFT JOIN stages st ON st.case_id = c.id"
                             " WHERE c.applicant_id = $1 GROUP BY c.status", person.sub)
    assert [(c["status"], c["stages"]) for c in cases] == [("rejected", 0)]
    for name in ("notification", "matching", "approval", "monitor"):
        tombstones = await rows_about(s.dsns[name], "SELECT applicant_id FROM erased_applicants"
                                      " WHERE applicant_id = $1", person.sub)
        assert len(tombstones) == 1, name
