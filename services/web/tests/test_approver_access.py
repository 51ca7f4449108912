"""Nobody sees a case they have no stage on: the approvers of another application, HR of
another department, another host and another applicant hear 'Page not found' on the case
page, HR's stage pages and the decision form, and 404 from the APIs behind them with their own
tokens, while the application's own line manager sees it (so the check could fail)."""

from __future__ import annotations

import time

import httpx
import pytest
from web import devoidc

from .approving import Journey, send_application
from .signing import csrf_of
from .signing import sign_in as http_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def token_for(journey: Journey, sub: str, claims: dict) -> dict[str, str]:
    token = devoidc.client_token(journey.system.oidc_port, sub, claims["roles"][0],
                                 claims.get("org"))
    return {"Authorization": f"Bearer {token}"}


def api_answers(journey: Journey, sub: str, claims: dict, stage_id: str,
                decide: bool = True) -> dict[str, int]:
    """What the APIs behind the case page answer this person (and to their decision)."""
    system, app_id = journey.system, journey.application_id
    headers = token_for(journey, sub, claims)
    with httpx.Client(timeout=30.0, headers=headers) as api:
        approval, applicant = system.url("approval"), system.url("applicant")
        answers = {
            "stage": api.get(f"{approval}/stages/{stage_id}").status_code,
            "stages": api.get(f"{approval}/applications/{app_id}/stages").status_code,
            "case": api.get(f"{applicant}/applications/{app_id}/case").status_code}
        if decide:
            answers["decision"] = api.post(f"{approval}/stages/{stage_id}/decision",
                                           json={"decision": "grant"}).status_code
        return answers


def until_case_readable(journey: Journey, sub: str, claims: dict) -> None:
    """The applicant service grants case access a Kafka hop after the stage opened."""
    url = f"{journey.system.url('applicant')}/applications/{journey.application_id}/case"
    for _ in range(240):
        if httpx.get(url, headers=token_for(journey, sub, claims)).status_code == 200:
            return
        time.sleep(0.5)  # between polls of what another process reaches on its own
    raise AssertionError("the line manager never got the case")


def test_nobody_sees_a_case_they_have_no_stage_on_through_the_pages_or_the_apis(web_system):
    journey = send_application(web_system)
    stage_id = journey.stage("line_manager")["id"]
    app_id, web = journey.application_id, web_system.web

    # The control: the application's own line manager reads it all.
    sub, claims = journey.person("line_manager")
    until_case_readable(journey, sub, claims)
    mine = http_sign_in(web, sub, claims, "/tasks")
    page = mine.get(f"/tasks/{stage_id}")
    assert page.status_code == 200 and f"Applicant {journey.tag}" in page.text
    own = api_answers(journey, sub, claims, stage_id, decide=False)
    assert own == {"stage": 200, "stages": 200, "case": 200}, own

    other = send_application(web_system)  # someone else's application, with its own people
    outsiders = {"the line manager of another application": other.person("line_manager"),
                 "HR of another department": other.person("hr"),
                 "the host of another application": other.person("host"),
                 "another applicant": (other.applicant_sub, other.applicant_claims)}
    for who, (sub, claims) in outsiders.items():
        person = http_sign_in(web, sub, claims, "/tasks")
        for path in (f"/tasks/{stage_id}", f"/hr/applications/{app_id}/stages",
                     f"/hr/stages/{stage_id}/reassign"):
            refused = person.get(path)
            assert refused.status_code == 404, (who, path, refused.status_code)
            assert "Page not found" in refused.text and journey.tag not in refused.text
        token = csrf_of(person.get("/"))
        for path, form in ((f"/tasks/{stage_id}", {"decision": "grant"}),
                           (f"/hr/stages/{stage_id}/reassign",
                            {"approver_id": sub, "reason": "taking it"})):
            posted = person.post(path, data={"csrf_token": token, **form})
            assert posted.status_code == 404, (who, path, posted.status_code)
        answers = api_answers(journey, sub, claims, stage_id)
        # Approvers hear 404 (someone else's stage); an applicant is refused the role outright.
        expected = 403 if who == "another applicant" else 404
        assert answers == {"stage": expected, "stages": expected, "case": 404,
                           "decision": expected}, (who, answers)
    # Nothing was decided or moved by any of them.
    with journey.api("approval", "line_manager") as api:
        still = api.get(f"/stages/{stage_id}").json()
    assert (still["status"], still["approver_id"]) == ("open", f"linemanager-{journey.tag}")
