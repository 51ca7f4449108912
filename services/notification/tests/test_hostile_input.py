"""Inputs found by fuzzing (tests/security/test_fuzz.py) that once gave a 500."""

HUGE = 10**30


async def test_an_offset_past_any_real_list_is_a_422_naming_offset_not_a_500(service):
    for path in ("/inbox", "/notifications"):
        r = await service.client.get(path, params={"offset": HUGE},
                                     headers=service.auth("someone", "applicant"))
        assert r.status_code == 422, (path, r.text)
        assert r.json()["field"] == "offset"


async def test_text_with_a_nul_character_is_a_422_saying_so_and_nothing_is_stored(service):
    hr = service.auth("hr-1", "hr")
    r = await service.client.put("/contacts/acme-nul", headers=hr,
                                 json={"email": "a\x00b@acme.example"})
    assert r.status_code == 422, r.text
    assert "NUL" in r.json()["detail"]
    stored = await service.runtime.pool.fetchval(
        "SELECT count(*) FROM contacts WHERE contact_id = 'acme-nul'")
    assert stored == 0
