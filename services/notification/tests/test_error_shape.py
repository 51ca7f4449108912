from testkit.harness.errors import assert_error_shape, assert_openapi_documents_error_shape


async def test_a_bad_body_gets_the_platform_error_shape_naming_the_field(service):
    r = await service.client.post("/webhooks", json={"url": "not a url"},
                                  headers=service.auth("h-1", "host", org="org-windco"))
    assert_error_shape(r, 422, "url")


async def test_a_missing_token_gets_401_in_the_same_shape(service):
    r = await service.client.get("/inbox")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert set(r.json()) == {"detail", "field", "errors"}


async def test_the_openapi_documents_the_error_shape_on_every_operation_with_input(service):
    spec = (await service.client.get("/openapi.json")).json()
    assert assert_openapi_documents_error_shape(spec) >= 7
