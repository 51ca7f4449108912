"""Inputs found by fuzzing (tests/security/test_fuzz.py) that once gave a 500."""

from testkit.harness.errors import HUGE, assert_huge_offset_is_a_422

from .matching_support import opportunity_body


async def test_an_offset_past_any_real_list_is_a_422_naming_offset_not_a_500(service):
    for path, who in (("/rounds", service.auth("hr-1", "hr")),
                      ("/opportunities", service.auth("host-1", "host", org="org-1"))):
        await assert_huge_offset_is_a_422(service.client, path, who)


async def test_an_absurd_staff_count_is_a_422_naming_it_not_a_500(service):
    r = await service.client.post("/opportunities",
                                  json=opportunity_body(host_staff_count=HUGE),
                                  headers=service.auth("host-1", "host", org="org-1"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "host_staff_count"
