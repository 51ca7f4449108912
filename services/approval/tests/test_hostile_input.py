"""Inputs found by fuzzing (tests/security/test_fuzz.py) that once gave a 500."""

from testkit.harness.errors import assert_huge_offset_is_a_422


async def test_an_offset_past_any_real_list_is_a_422_naming_offset_not_a_500(service):
    await assert_huge_offset_is_a_422(service.client, "/stages",
                                      service.auth("manager-1", "line_manager"))
