"""Research extracts on the real broker and database: the monitor logs a generated
population's events, an evaluator asks for two extracts, and each is checked as a reader of it
would: pseudonyms that join its files but not the two extracts, no name, contact or id, months
only, every quasi-identifier combination shared by at least 5 applicants, and the log."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

from contracts.pii import pii_paths
from monitor.research.columns import FILES, SUPPRESSED

from contracts import ALL_EVENTS

from .conftest import publish_events, wait_logged
from .research_world import World

MONTHLY = re.compile(r"^\d{4}-\d{2}$")
MONTH_COLUMNS = {c.name for f in FILES for c in f.columns if c.type.startswith("month")}


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def extract(service, evaluator: dict, purpose: str) -> tuple[dict, dict[str, str]]:
    made = await service.client.post("/research/extracts", headers=evaluator,
                                      json={"purpose": purpose})
    assert made.status_code == 201, made.text
    body = made.json()
    files = {}
    for name, path in body["files"].items():
        got = await service.client.get(path, headers=evaluator)
        assert got.status_code == 200, got.text
        files[name] = got.text
    return body, files


def signatures(files: dict[str, str]) -> Counter:
    """Each applicant's quasi-identifiers over every row of every file, as the rule counts."""
    per_person: dict[str, list] = {}
    for spec in FILES:
        for row in table(files[spec.name]):
            per_person.setdefault(row["applicant"], []).append(
                (spec.name, tuple(row[c] for c in spec.quasi_identifiers)))
    return Counter(tuple(sorted(v)) for v in per_person.values())


def pii_values(events) -> set[str]:
    """Every value the contracts mark as personal data in the events published."""
    found: set[str] = set()
    for e in events:
        data = e.model_dump(mode="json")
        for path in pii_paths(type(e)):
            value = data.get(path.split(".")[0])
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, dict):
                found |= {str(v) for v in value.values() if len(str(v)) > 8}
    return found


async def test_two_extracts_are_pseudonymised_coarsened_suppressed_logged_and_not_joinable(
        fresh_service):
    service, world = fresh_service, World()
    events = world.events()
    await publish_events(service, *events)
    await wait_logged(service, *events)
    evaluator = service.auth("isc-analyst-1", "evaluator")

    first, files = await extract(service, evaluator, "interim evaluation")
    second, again = await extract(service, evaluator, "interim evaluation, again")

    apps, placements = table(files["applications.csv"]), table(files["placements.csv"])
    comparison = table(files["comparison_group.csv"])
    # Stable within the extract: every placement's application and applicant are rows of
    # applications.csv, and the comparison group's applicants too.
    by_app = {a["application"]: a for a in apps}
    assert len(placements) == 6
    assert all(by_app[p["application"]]["applicant"] == p["applicant"] for p in placements)
    assert {c["applicant"] for c in comparison} <= {a["applicant"] for a in apps}
    # ...and different across extracts: nothing in one names anything in the other.
    ids = lambda fs: {v for n in ("applications.csv", "placements.csv")  # noqa: E731
                      for r in table(fs[n]) for k, v in r.items()
                      if k in ("application", "applicant", "placement", "host")}
    assert ids(files) and ids(again) and not ids(files) & ids(again)

    # No name, contact or real id in any cell of any file (the whole text is searched).
    text = "\n".join(files.values())
    personal = pii_values(events) | {s.applicant_id for s in world.submissions()} | {
        str(s.application_id) for s in world.submissions()} | {"imogen", "quartermaine",
                                                               "org-windco", "manager-1"}
    assert personal and not [v for v in personal if v.lower() in text.lower()]
    pii_columns = {p.split(".")[-1] for cls in ALL_EVENTS for p in pii_paths(cls)}
    assert not pii_columns & {c.name for f in FILES for c in f.columns}

    # Dates are months only (or hidden, or blank while a placement runs).
    for spec in FILES:
        for row in table(files[spec.name]):
            for column in MONTH_COLUMNS & set(row):
                assert MONTHLY.match(row[column]) or row[column] in ("", SUPPRESSED), row
    assert not re.search(r"\d{4}-\d{2}-\d{2}", files["applications.csv"]
                         + files["placements.csv"] + files["comparison_group.csv"])

    # Suppression: every combination is shared by at least 5 applicants; the odd grades were
    # hidden, the unique applicant withheld, the erased applicant never there.
    assert min(signatures(files).values()) >= 5
    grades = Counter(a["grade"] for a in apps)
    assert grades == {"G7": 11, SUPPRESSED: 5}, grades
    assert first["withheld"] == 1 and first["suppressed"]["grade"] == 5
    assert len(apps) == 16 and len(comparison) == 10
    assert {c["reason"] for c in comparison} == {"unmatched"}
    # Outcomes: each placed applicant's answer (the first of two counts), each comparison
    # applicant's lapse, joined to their applications by the same pseudonym.
    outcomes = table(files["outcomes.csv"])
    assert Counter((o["cohort"], o["status"]) for o in outcomes) == {
        ("placed", "answered"): 6, ("comparison", "lapsed"): 5}
    assert "not_working" not in {o["situation"] for o in outcomes}
    assert {o["applicant"] for o in outcomes} <= {a["applicant"] for a in apps}

    # The log: who, when, what, row counts; central HR reads it, evaluators their own.
    hr = service.auth("hr-1", "hr")
    log = (await service.client.get("/research/extract-log", headers=hr)).json()["items"]
    assert [e["id"] for e in log] == [second["id"], first["id"]]
    assert log[1]["requested_by"] == "isc-analyst-1"
    assert log[1]["purpose"] == "interim evaluation"
    assert log[1]["row_counts"] == {"applications.csv": 16, "placements.csv": 6,
                                    "comparison_group.csv": 10, "outcomes.csv": 11}
    stored = await service.runtime.pool.fetchval(
        "SELECT count(*) FROM research_extracts WHERE requested_by = 'isc-analyst-1'")
    assert stored == 2
    dictionary = table(files["dictionary.csv"])
    assert {d["column"] for d in dictionary if d["file"] == "placements.csv"} >= {
        "placement", "host_region", "host_size_band", "outcome"}


async def test_only_evaluators_may_ask_for_an_extract_and_only_hr_reads_the_log(service):
    for who in (service.auth("hr-1", "hr"), service.auth("alice", "applicant"),
                service.auth("host-1", "host", org="org-1")):
        refused = await service.client.post("/research/extracts", headers=who,
                                            json={"purpose": "curious"})
        assert refused.status_code == 403
        assert refused.json()["field"] == "roles"
        assert "only evaluators (role evaluator" in refused.json()["detail"]
        listing = await service.client.get("/research/extracts", headers=who)
        assert listing.status_code == 403
    evaluator = service.auth("isc-analyst-2", "evaluator")
    assert (await service.client.get("/research/extract-log",
                                     headers=evaluator)).status_code == 403
    bad = await service.client.post("/research/extracts", headers=evaluator,
                                    json={"purpose": "x", "schemes": ["industry"]})
    assert bad.status_code == 422 and bad.json()["field"] == "purpose"


async def test_an_evaluator_cannot_read_another_evaluator_s_extract(service):
    mine = service.auth("isc-analyst-3", "evaluator")
    made = await service.client.post("/research/extracts", headers=mine,
                                     json={"purpose": "own work", "schemes": ["government"]})
    assert made.status_code == 201, made.text
    assert made.json()["schemes"] == ["government"]
    other = service.auth("isc-analyst-4", "evaluator")
    for path in (f"/research/extracts/{made.json()['id']}",
                 made.json()["files"]["applications.csv"]):
        assert (await service.client.get(path, headers=other)).status_code == 404
        assert (await service.client.get(path, headers=mine)).status_code == 200
