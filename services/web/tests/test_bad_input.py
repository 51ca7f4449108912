"""Bad input gets the GOV.UK error treatment: an error summary linking to the field and the
message on the field, in plain English, never JSON; text in any script is kept intact."""

from __future__ import annotations

import concurrent.futures
import re
from datetime import date, timedelta

import pytest

from .signing import applicant, civil_servant_profile, date_fields, post_form, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def signed_in_with_profile(web_system, **profile):
    sub, claims = applicant()
    client = sign_in(web_system.web, sub, claims)
    saved = post_form(client, "/profile", civil_servant_profile(**profile))
    assert saved.status_code == 303, saved.text[-2000:]
    return client


def summary(text: str) -> str:
    """The error summary's items as plain text (for assertion messages)."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', text, re.S)
    return re.sub(r"\s+", " ", found.group(1)) if found else "(no error summary)"


def assert_gov_uk_error(response, field_id: str, message: str) -> None:
    text = response.text
    assert response.status_code == 422, (response.status_code, summary(text))
    assert "There is a problem" in text and "govuk-error-summary" in text
    assert f'href="#{field_id}"' in text, summary(text)
    assert message in text, summary(text)
    assert "<title>Error:" in text
    assert '"detail"' not in text and "Traceback" not in text


def test_empty_and_too_long_profile_answers_are_named_on_their_fields(web_system):
    sub, claims = applicant()
    client = sign_in(web_system.web, sub, claims)
    empty = post_form(client, "/profile", civil_servant_profile(name=""))
    assert_gov_uk_error(empty, "name", "Enter full name")
    too_long = post_form(client, "/profile", civil_servant_profile(name="x" * 201))
    assert_gov_uk_error(too_long, "name", "Full name must be 200 characters or fewer")
    huge = post_form(client, "/profile", civil_servant_profile(skills="y" * 100_000))
    assert_gov_uk_error(huge, "skills", "Skills must be 2,000 characters or fewer")
    # what was typed comes back in the form (the 100 KB paste too, for the person to trim)
    assert huge.text.count("y" * 1000) >= 1


def test_dates_that_do_not_exist_or_run_backwards_are_refused(web_system):
    sub, claims = applicant()
    client = sign_in(web_system.web, sub, claims)
    feb = post_form(client, "/profile", civil_servant_profile(
        **date_fields("available_from", "31", "2", "2027")))
    assert_gov_uk_error(feb, "available_from-day", "Available from date must be a real date")
    backwards = post_form(client, "/profile", civil_servant_profile(
        **date_fields("available_from", "1", "5", "2027"),
        **date_fields("available_until", "1", "4", "2027")))
    assert_gov_uk_error(backwards, "available_until-day",
                        "Available until date must be after available from date")
    # no profile yet: the application journey starts by asking for it
    first = client.get("/apply/industry")
    assert first.status_code == 303 and first.headers["location"] == "/profile?first=1"
    part = post_form(client, "/apply/industry", {
        **date_fields("earliest_start", "", "4", "2027"), "desired_length_months": "6"},
        page="/profile")
    assert_gov_uk_error(part, "earliest_start-day", "Earliest start date must include a day")


def apply_with(client, start: date, months: str):
    step = post_form(client, "/apply/industry", {
        **date_fields("earliest_start", str(start.day), str(start.month), str(start.year)),
        "desired_length_months": months})
    assert step.status_code == 303, step.text[-1500:]
    post_form(client, "/apply/industry/interests", {})
    return post_form(client, "/apply/industry/check", {})


def test_the_apis_rules_come_back_on_the_question_page(web_system):
    client = signed_in_with_profile(web_system)
    past = apply_with(client, date.today() - timedelta(days=3), "6")
    assert_gov_uk_error(past, "earliest_start-day", "Earliest start date must be in the future")
    thirteen = apply_with(client, date.today() + timedelta(days=40), "13")
    assert_gov_uk_error(thirteen, "desired_length_months",
                        "Length of placement must be from 1 to 12")
    words = post_form(client, "/apply/industry", {
        **date_fields("earliest_start", "1", "4", "2027"), "desired_length_months": "six"})
    assert_gov_uk_error(words, "desired_length_months", "whole number of months")


def test_welsh_arabic_and_emoji_are_kept_intact(web_system):
    name = "Siân Ŵyn ap Llŷr – مريم 🎉"
    client = signed_in_with_profile(web_system, name=name, profession="Polisi ŵ")
    page = client.get("/profile")
    assert f'value="{name}"' in page.text
    assert "Polisi ŵ" in page.text


def test_a_double_submit_makes_one_application(web_system):
    client = signed_in_with_profile(web_system)
    start = date.today() + timedelta(days=50)
    post_form(client, "/apply/industry", {
        **date_fields("earliest_start", str(start.day), str(start.month), str(start.year)),
        "desired_length_months": "4"})
    post_form(client, "/apply/industry/interests", {})
    token_page = client.get("/apply/industry/check")
    from .signing import csrf_of
    token = csrf_of(token_page)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: client.post("/apply/industry/check",
                                                      data={"csrf_token": token}), range(2)))
    places = {a.headers.get("location") for a in answers}
    assert all(a.status_code == 303 for a in answers) and len(places) == 1, places
    # and the back button then "Accept and send" again: still the same application
    again = client.post("/apply/industry/check", data={"csrf_token": token})
    assert again.headers["location"] in places
    listing = client.get("/applications")
    assert listing.text.count('href="/applications/') == 1


def test_the_about_you_questions_each_say_what_is_missing_and_an_area_outside_the_region(
        web_system):
    client = signed_in_with_profile(web_system)
    start = date.today() + timedelta(days=40)
    post_form(client, "/apply/industry", {
        **date_fields("earliest_start", str(start.day), str(start.month), str(start.year)),
        "desired_length_months": "6"})
    nothing = post_form(client, "/apply/industry/about-you", {})
    assert_gov_uk_error(nothing, "itl1", "Select the region you live or work in")
    for field, words in (("consent", "Select whether we can ask you later"),
                         ("intention", "Select what you mean to do in the next 2 years"),
                         ("leading_change", "Select how confident you are in leading change")):
        assert f'href="#{field}"' in nothing.text and words in nothing.text, summary(nothing.text)
    elsewhere = post_form(client, "/apply/industry/about-you", {
        "itl1": "London", "itl2": "TLD3", "basis": "home", "commercial_awareness": "3",
        "working_across_sectors": "3", "leading_change": "3", "intention": "undecided",
        "consent": "no"})
    assert_gov_uk_error(elsewhere, "itl2", "Greater Manchester is not in London")
