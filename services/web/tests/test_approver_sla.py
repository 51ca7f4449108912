"""An overdue stage in a real browser: the web system's approval gives security vetting a
three-second SLA (web_system.SHORT_VETTING_SLA), so a government-scheme post needing more
clearance than the applicant holds soon has an overdue vetting stage. The vetting officer sees
it tagged overdue, central HR reassigns it from the application's stages, the officer loses
it and the new approver decides it. One browser context per person, axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from . import approving as approving
from .browsing import assert_accessible, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
TITLE = "Security vetting"


async def test_an_overdue_stage_shows_as_overdue_and_hr_reassigns_it_to_who_then_decides(
        web_system, browser):
    journey = approving.send_application(web_system, scheme="government", clearance_needed="SC")
    journey.grant("releasing_employer", "employer")
    journey.grant("host_department", "host")
    stage = journey.stage("security_vetting")
    web, tag = web_system.web, journey.tag
    vetting = await approving.signed_in(browser, journey, "vetting")
    hr = await open_page(browser)
    successor = f"vetting2-{tag}"
    try:
        # The vetting officer: the task is overdue, the case shows the clearance gap.
        overdue = approving.task_row(journey, TITLE) + ":has-text('Overdue')"
        await approving.reload_until(vetting, overdue)
        await assert_accessible(vetting)
        await approving.open_task(vetting, journey, TITLE)
        clearance = vetting.page.locator("#clearance")
        await expect(clearance).to_contain_text("BPSS")
        await expect(clearance).to_contain_text("SC")
        await expect(clearance).to_contain_text("No: vetting is needed")

        # Central HR: home, the application's stages, reassign (the form's own errors first).
        await sign_in(hr, web, f"hr-{tag}", approving.CENTRAL_HR, "/hr")
        await expect(hr.page.locator("#open-tasks")).to_be_visible()
        await expect(hr.page.locator("#open-monitor")).to_be_visible()
        await assert_accessible(hr)
        await hr.page.fill("#reference", "AB-12")
        await hr.page.click("#show-stages")
        await expect(hr.page.locator(".govuk-error-summary")).to_contain_text(
            "Enter the application reference")
        await assert_accessible(hr)
        await hr.page.fill("#reference", journey.application_id)
        await hr.page.click("#show-stages")
        await expect(hr.page.locator("h1")).to_have_text("Approval stages")
        await expect(hr.page.locator(f"#stage-{stage['id']}")).to_contain_text("Waiting")
        await assert_accessible(hr)
        await hr.page.click("#reassign-security_vetting")
        await expect(hr.page.locator("h1")).to_have_text("Reassign security vetting")
        await assert_accessible(hr)
        await hr.page.click("#confirm-reassign")
        summary = hr.page.locator(".govuk-error-summary")
        await expect(summary).to_contain_text("Enter the user ID of the new approver")
        await expect(summary).to_contain_text("Enter why you are reassigning this stage")
        await assert_accessible(hr)
        await hr.page.fill("#approver_id", successor)
        await hr.page.fill("#reason", "The vetting officer is on leave")
        await hr.page.click("#confirm-reassign")
        await expect(hr.page.locator(".govuk-notification-banner")).to_contain_text(
            "The stage was reassigned")
        await expect(hr.page.locator(f"#stage-{stage['id']}")).to_contain_text(successor)
        await assert_accessible(hr)
        # HR sees what the approver sees, with the way to reassign it.
        await hr.page.click(f"#stage-{stage['id']} a:has-text('View case')")
        await expect(hr.page.locator("h1")).to_have_text(TITLE)
        await expect(hr.page.locator("#clearance")).to_contain_text("No: vetting is needed")
        await assert_accessible(hr)

        # The first officer no longer has it: not in the list, and the case is not theirs.
        await vetting.page.goto(web + "/tasks")
        await expect(vetting.page.locator(approving.task_row(journey, TITLE))).to_have_count(0)
        gone = await vetting.page.goto(f"{web}/tasks/{stage['id']}")
        assert gone.status == 404
        await expect(vetting.page.locator("h1")).to_have_text("Page not found")

        new = await approving.signed_in(browser, journey, "vetting", sub=successor,
                              claims={"roles": ["vetting"], "name": "Second vetting officer"})
        try:
            await approving.open_task(new, journey, TITLE)
            await approving.decide(new, note="SC granted")
        finally:
            await new.close()
        with journey.api("approval", "vetting", sub=successor) as api:
            decided = api.get(f"/stages/{stage['id']}").json()
        assert (decided["status"], decided["decided_by"]) == ("granted", successor)
    finally:
        await vetting.close()
        await hr.close()
