from datetime import date, timedelta

import pytest

from contracts import Scheme

from .conftest import PROFILES, apply, as_applicant, make_profile, new_applicant, soon


async def refused(r, field: str, *words: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field, body
    for w in words:
        assert w in body["detail"], body


@pytest.mark.parametrize("months", [0, 13, -1])
async def test_a_length_outside_one_to_twelve_months_is_refused(service, months):
    sub = await make_profile(service)
    await refused(await apply(service, sub, desired_length_months=months),
                  "desired_length_months", "from 1 to 12")


@pytest.mark.parametrize("days", [0, -10])
async def test_a_start_that_is_not_in_the_future_is_refused(service, days):
    sub = await make_profile(service)
    start = (date.today() + timedelta(days=days)).isoformat()
    await refused(await apply(service, sub, earliest_start=start), "earliest_start",
                  "must be in the future")


@pytest.mark.parametrize(("own", "other"), [(Scheme.INDUSTRY, Scheme.GOVERNMENT),
                                            (Scheme.GOVERNMENT, Scheme.DIPLOMATIC),
                                            (Scheme.DIPLOMATIC, Scheme.INDUSTRY)])
async def test_an_applicant_may_apply_only_to_their_kinds_scheme(service, own, other):
    sub = await make_profile(service, own)
    await refused(await apply(service, sub, other), "scheme", f"only to the '{own}' scheme")


async def test_a_second_live_application_for_the_same_scheme_is_refused(service):
    sub = await make_profile(service)
    first = await apply(service, sub)
    await refused(await apply(service, sub), "scheme", "already have a live application",
                  first.json()["id"])


async def test_a_withdrawn_application_frees_the_scheme_for_a_new_one(service):
    sub = await make_profile(service)
    first = (await apply(service, sub)).json()
    await service.client.post(f"/applications/{first['id']}/withdraw",
                              headers=as_applicant(service, sub))
    assert (await apply(service, sub)).status_code == 201


@pytest.mark.parametrize(("field", "value", "where"), [
    ("sectors", ["farming"], "sectors.0"),
    ("preferred_regions", ["Atlantis"], "preferred_regions.0"),
    ("preferred_countries", ["XX"], "preferred_countries.0"),
    ("scheme", "space", "scheme"),
])
async def test_values_outside_the_enums_are_refused_naming_the_field(service, field, value,
                                                                     where):
    sub = await make_profile(service)
    r = await apply(service, sub, **{field: value}) if field != "scheme" else \
        await apply(service, sub, value)
    assert r.status_code == 422 and r.json()["field"] == where, r.text
    assert "Input should be" in r.json()["detail"]


async def test_an_unknown_field_is_refused(service):
    sub = await make_profile(service)
    r = await apply(service, sub, salary=100)
    assert r.status_code == 422 and r.json()["field"] == "salary"


async def test_applying_without_a_profile_says_to_create_one(service):
    r = await service.client.post("/applications", json={
        "scheme": "industry", "earliest_start": soon(), "desired_length_months": 6},
        headers=as_applicant(service, new_applicant()))
    await refused(r, "applicant", "PUT /applicants/me")


async def test_a_start_outside_the_profiles_availability_window_is_refused(service):
    sub = await make_profile(service, available_from=soon(40), available_until=soon(200))
    await refused(await apply(service, sub, earliest_start=soon(20)), "earliest_start",
                  "window opens")


@pytest.mark.parametrize(("scheme", "missing", "words"), [
    (Scheme.INDUSTRY, "line_manager_id", "civil servant"),
    (Scheme.INDUSTRY, "grade", "civil servant"),
    (Scheme.GOVERNMENT, "role", "industry professional"),
    (Scheme.DIPLOMATIC, "grade", "diplomat"),
])
async def test_a_profile_missing_what_its_kind_needs_is_refused(service, scheme, missing,
                                                                words):
    body = {k: v for k, v in PROFILES[scheme].items() if k != missing}
    r = await service.client.put("/applicants/me", json=body,
                                 headers=as_applicant(service, new_applicant()))
    await refused(r, missing, "is required for", words)


async def test_a_profile_with_a_bad_grade_or_clearance_is_refused(service):
    headers = as_applicant(service, new_applicant())
    r = await service.client.put("/applicants/me", headers=headers,
                                 json={**PROFILES[Scheme.INDUSTRY], "grade": "G8"})
    assert r.status_code == 422 and r.json()["field"] == "grade"
    r = await service.client.put("/applicants/me", headers=headers,
                                 json={**PROFILES[Scheme.GOVERNMENT], "clearance_held": "TS"})
    assert r.status_code == 422 and r.json()["field"] == "clearance_held"


async def test_the_kind_cannot_change_while_an_application_is_live(service):
    sub = await make_profile(service)
    assert (await apply(service, sub)).status_code == 201
    r = await service.client.put("/applicants/me", json=PROFILES[Scheme.GOVERNMENT],
                                 headers=as_applicant(service, sub))
    await refused(r, "kind", "live application")


async def test_only_applicants_may_apply(service):
    r = await service.client.post("/applications", json={
        "scheme": "industry", "earliest_start": soon(), "desired_length_months": 6},
        headers=service.auth("hr-alice", "hr"))
    assert r.status_code == 403


async def test_the_database_itself_refuses_a_second_live_application(service):
    import asyncpg

    sub = await make_profile(service)
    first = (await apply(service, sub)).json()
    with pytest.raises(asyncpg.UniqueViolationError):
        await service.runtime.pool.execute(
            "INSERT INTO applications (id, applicant_id, scheme, earliest_start,"
            " desired_length_months) SELECT gen_random_uuid(), applicant_id, scheme,"
            " earliest_start, desired_length_months FROM applications WHERE id = $1",
            __import__("uuid").UUID(first["id"]))
