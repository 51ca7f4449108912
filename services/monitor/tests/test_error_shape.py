from testkit.harness.errors import assert_error_shape, assert_openapi_documents_error_shape


async def test_bad_input_gets_the_platform_error_shape_naming_the_field(service, hr):
    # The monitor takes no bodies: its input is queries and paths.
    r = await service.client.get("/dead-letters", params={"limit": 0}, headers=hr)
    assert_error_shape(r, 422, "limit")


async def test_every_monitor_json_route_has_a_response_model_in_the_openapi(service):
    spec = (await service.client.get("/openapi.json")).json()
    assert assert_openapi_documents_error_shape(spec) >= 5
    for path in ("/meta", "/timeline/{application_id}", "/kpis", "/open-data.json",
                 "/dead-letters"):
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in ok["schema"], (path, ok)
    for path in ("/dead-letters/{dead_letter_id}/replay", "/dead-letters/replay-all"):
        ok = spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in ok["schema"], (path, ok)
