"""Inputs found by fuzzing (tests/security/test_fuzz.py) that once gave a 500."""

HUGE = 10**30


async def test_an_offset_past_any_real_list_is_a_422_naming_offset_not_a_500(service):
    r = await service.client.get("/stages", params={"offset": HUGE},
                                 headers=service.auth("manager-1", "line_manager"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "offset"
