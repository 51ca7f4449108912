"""Dates as GOV.UK pages write them, and the task list's due-soon and overdue tags."""

from __future__ import annotations

from web.dates import due_tag, long_date, long_datetime
from web.pages import environment, form_helpers
from web.routes.approver import SORTS
from web.routes.start import SCHEMES


def test_dates_are_written_as_people_read_them_in_uk_time():
    assert long_date("2027-01-05") == "5 January 2027"
    assert long_date("2027-01-05T09:00:00Z") == "5 January 2027"
    # 23:30 UTC on 30 June is half past midnight on 1 July in London (summer time).
    assert long_date("2027-06-30T23:30:00+00:00") == "1 July 2027"
    assert long_datetime("2027-01-05T14:30:00Z") == "5 January 2027 at 2:30pm"
    assert long_datetime("2027-01-05T00:05:00Z") == "5 January 2027 at 12:05am"
    assert long_date(None) == ""


def test_only_tasks_due_soon_or_overdue_carry_a_tag():
    assert due_tag("overdue") == {"text": "Overdue", "classes": "govuk-tag--red"}
    assert due_tag("due_soon") == {"text": "Due soon", "classes": "govuk-tag--orange"}
    assert due_tag("on_time") is None


def task(state: str, n: int) -> dict:
    return {"stage_id": f"stage-{n}", "application_id": f"app-{n}", "scheme": "industry",
            "host_org_id": "host-x", "stage_title": "Line manager approval",
            "opened_at": "2026-12-01T10:00:00Z", "due_at": "2027-01-05T10:00:00Z",
            "due_state": state, "escalated": False, "start_date": "2027-03-01",
            "length_months": 6}


def test_the_task_list_shows_each_tasks_due_date_and_its_state():
    html = environment().get_template("approver_tasks.html").render(
        user={"sub": "lm", "roles": ["line_manager"], "name": "Sam"}, csrf="x", problems=[],
        tasks=[task("overdue", 1), task("due_soon", 2), task("on_time", 3)], scheme=None,
        sort="due", schemes=SCHEMES, sorts=SORTS, central=False, decided=None,
        **form_helpers({}, None, {}))
    rows = html.split('id="task-')[1:]
    assert ["Overdue" in r for r in rows] == [True, False, False]
    assert ["Due soon" in r for r in rows] == [False, True, False]
    assert "On time" in rows[2] and "5 January 2027" in rows[2]
    assert 'href="/tasks"' in html and 'method="get" action="/tasks"' in html
