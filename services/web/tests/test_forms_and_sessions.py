"""The web's own small parts, without a system: date inputs, API errors in plain English,
sessions' idle expiry and rotation."""

from datetime import date

from web.domain import read_date, read_interests
from web.messages import problems_of
from web.pages import Posted
from web.routes.auth import safe_next
from web.sessions import SessionStore


def dated(day: str, month: str, year: str) -> Posted:
    return Posted([("when-day", day), ("when-month", month), ("when-year", year)])


def test_a_date_input_reads_a_real_date_and_names_what_is_wrong():
    assert read_date(dated("29", "2", "2028"), "when") == (date(2028, 2, 29), None)
    cases = {("31", "2", "2027"): "must be a real date", ("", "4", "2027"): "include a day",
             ("1", "13", "2027"): "must be a real date", ("1", "4", "27"): "4 numbers",
             ("a", "4", "2027"): "must be a real date", ("", "", ""): "Enter"}
    for parts, words in cases.items():
        value, problem = read_date(dated(*parts), "when")
        assert value is None and problem.field == "when" and words in problem.message, parts
    assert read_date(dated("", "", ""), "when", required=False) == (None, None)


def test_a_declared_interest_needs_both_its_name_and_its_kind():
    found, problems = read_interests(Posted([("interest-1-name", "Cwmni Ŵy"),
                                             ("interest-1-kind", "policy"),
                                             ("interest-2-name", "Acme")]))
    assert found == [{"organisation_name": "Cwmni Ŵy", "kind": "policy"}]
    assert [p.field for p in problems] == ["interest-2-kind"]


def test_api_errors_become_plain_english_on_the_field_they_name():
    [rule] = problems_of({"detail": "earliest_start must be in the future (after 2027-01-01)",
                          "field": "earliest_start"})
    assert (rule.field, rule.message) == (
        "earliest_start", "Earliest start date must be in the future (after 1 January 2027)")
    [short] = problems_of({"detail": [{"loc": ["body", "name"], "type": "string_too_short",
                                       "msg": "String should have at least 1 character"}]})
    assert (short.field, short.message) == ("name", "Enter full name")
    [country] = problems_of({"detail": [{"loc": ["query", "country"], "type": "enum",
                                         "msg": "Input should be 'AD', 'AE' or 'AF'"}]})
    assert country.message == "Country must be two-letter country codes, like FR or DE"
    [odd] = problems_of("not json at all")
    assert odd.field is None and "{" not in odd.message


def test_a_session_ends_when_idle_and_a_rotated_one_keeps_its_data_under_a_new_id():
    now = [0.0]
    store = SessionStore(idle_seconds=60, max_sessions=10, clock=lambda: now[0])
    first = store.new({"user": {"sub": "a"}})
    rotated = store.rotate(first)
    assert store.get(first.id) is None and rotated.id != first.id
    assert rotated.csrf != first.csrf and rotated.user == {"sub": "a"}
    now[0] = 59
    assert store.get(rotated.id) is rotated
    now[0] = 59 + 61
    assert store.get(rotated.id) is None and len(store) == 0


def test_the_session_store_never_grows_past_its_cap():
    store = SessionStore(idle_seconds=600, max_sessions=3)
    ids = [store.new().id for _ in range(5)]
    assert len(store) == 3 and store.get(ids[0]) is None and store.get(ids[-1]) is not None


def test_after_sign_in_only_a_path_on_this_site_is_followed():
    assert safe_next("/applications/1?x=2") == "/applications/1?x=2"
    for bad in ("https://evil.example/", "//evil.example/", "/\\\\evil.example", None, ""):
        assert safe_next(bad) == "/applications"
