"""A round's published report (JSON and CSV) through the service on the real broker and
database: counts by scheme, sector, region and country, each target's outcome, the seed and
the blocking-pair verification; and the checker itself catches a blocking pair."""

import csv
import io
from datetime import date

from matching import round_report, rounds
from matching.domain import Applicant, Opportunity, Rules, Weights

from .matching_support import unique_org
from .ranking_support import host_rank, opportunities, rank, run_round, waiting_applicants

HR = ("boss", "hr")


async def test_the_round_report_counts_every_group_and_verifies_no_blocking_pair(cohort):
    org = unique_org()
    nw = await opportunities(cohort, org, 2, region="North West")
    [london] = await opportunities(cohort, org, 1, region="London",
                                   sector="digital_and_technologies")
    ann, bob, cat = await waiting_applicants(cohort, 3)
    for app, wanted in ((ann, [nw[0], london]), (bob, [nw[0]]), (cat, [nw[0]])):
        assert (await rank(cohort, app, wanted)).status_code == 200
    assert (await host_rank(cohort, org, nw[0], [bob, ann, cat])).status_code == 200
    round_ = await run_round(cohort, seed=11, minimum_shares=[
        {"dimension": "region", "value": "London", "share": 0.3}])
    got = await cohort.client.get(f"/rounds/{round_['round_id']}/report",
                                  headers=cohort.auth(*HR))
    assert got.status_code == 200, got.text
    report = got.json()
    assert (report["seed"], report["applicants"], report["places"]) == (11, 3, 3)
    # bob takes nw[0]; ann goes on to London; cat ranked nothing else
    assert (report["matched"], report["unmatched"], report["fill_rate"]) == (2, 1, 0.6667)
    assert report["by_scheme"] == [{"scheme": "industry", "places": 3, "filled": 2,
                                    "unfilled": 1, "fill_rate": 0.6667, "applicants": 3,
                                    "matched": 2, "unmatched": 1}]
    assert {r["region"]: (r["places"], r["filled"]) for r in report["by_region"]} == {
        "London": (1, 1), "North West": (2, 1)}
    assert {r["sector"]: r["filled"] for r in report["by_sector"]} == {
        "clean_energy": 1, "digital_and_technologies": 1}
    assert report["by_country"] == [{"country": "GB", "places": 3, "filled": 2,
                                     "unfilled": 1, "fill_rate": 0.6667}]
    [target] = report["targets"]
    assert (target["needed"], target["achieved"], target["met"], target["bound"]) == (
        1, 1, True, False)
    check = report["verification"]
    # ann ranked nw[0] above London (1 pair); cat ranked only nw[0] (1 pair)
    assert check["pairs_checked"] == 2 and check["blocking_pairs"] == 0 and check["stable"]
    assert check["places_over_capacity"] == 0 and check["blocking_pairs_held_apart"] == 0
    # three applicants' lists and nw[0]'s host's, each followed by the round
    assert (check["lists_checked"], check["lists_contradicted"]) == (4, 0)


async def test_the_report_comes_as_csv_three_ways_and_only_to_central_hr(cohort):
    round_ = await run_round(cohort, seed=5)
    path = f"/rounds/{round_['round_id']}/report"
    bodies = [(await cohort.client.get(p, headers={**cohort.auth(*HR), **h}))
              for p, h in ((path + "?format=csv", {}), (path + ".csv", {}),
                           (path, {"Accept": "text/csv"}))]
    for response in bodies:
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv")
    rows = list(csv.DictReader(io.StringIO(bodies[0].text)))
    assert {"section": "round", "group": "", "measure": "seed", "value": "5"} in rows
    assert any(r["section"] == "verification" and r["measure"] == "stable" for r in rows)
    assert bodies[0].text == bodies[1].text == bodies[2].text
    host = await cohort.client.get(path, headers=cohort.auth("h", "host", org="x"))
    assert host.status_code == 403


async def test_a_round_still_open_for_ranking_has_no_report_yet(cohort):
    opened = await cohort.client.post("/rounds", headers=cohort.auth(*HR), json={
        "ranking_deadline": "2099-01-01T00:00:00+00:00"})
    assert opened.status_code == 201, opened.text
    got = await cohort.client.get(f"/rounds/{opened.json()['round_id']}/report",
                                  headers=cohort.auth(*HR))
    assert got.status_code == 409 and "has not run yet" in got.json()["detail"]
    bad = await cohort.client.get(f"/rounds/{opened.json()['round_id']}/report?format=xml",
                                  headers=cohort.auth(*HR))
    assert bad.status_code == 422 and bad.json()["field"] == "format"


def _two_by_one(host_order: dict | None = None) -> rounds.RoundResult:
    a = [Applicant(id=f"a{i}", scheme="industry", kind="civil_servant",
                   earliest_start=date(2027, 3, 1)) for i in range(2)]
    o = [Opportunity(id="o", host_org_id="h", host_name="H", scheme="industry",
                     sector="digital", country="GB", region="London",
                     window_from=date(2027, 1, 1), window_to=date(2027, 12, 1))]
    rules = Rules(today=date(2026, 11, 29), max_length_gap=3, weights=Weights())
    return rounds.run_round(a, o, rules, seed=1, host_order=host_order)


def test_the_checker_finds_a_blocking_pair_when_the_place_goes_to_the_wrong_applicant():
    result = _two_by_one()
    assert round_report.verify(result, [1])["stable"]
    result.match = [0 if j == -1 else -1 for j in result.match]  # the other one holds it
    check = round_report.verify(result, [1])
    assert not check["stable"] and check["blocking_pairs"] == 1
    assert check["blocking_pairs_held_apart"] == 0


def test_a_list_the_round_did_not_follow_is_counted_as_contradicted():
    hosts = {"o": {"a1": 1, "a0": 2}}
    result = _two_by_one(hosts)
    followed = round_report.submitted(result, {"a0": ["o"]}, hosts, frozenset())
    assert followed == {"lists_checked": 2, "lists_contradicted": 0}
    # a round that ranked the two by score alone contradicts the host's order; and a list
    # that never named "o" contradicts the round's list for a1
    plain = _two_by_one()
    wrong = round_report.submitted(plain, {"a1": ["elsewhere"]}, hosts, frozenset())
    assert wrong == {"lists_checked": 2, "lists_contradicted": 2}
