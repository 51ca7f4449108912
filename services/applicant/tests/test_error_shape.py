from testkit.harness.errors import assert_error_shape, assert_openapi_documents_error_shape


async def test_a_bad_body_gets_the_platform_error_shape_naming_the_field(service):
    r = await service.client.post("/applications", headers=service.auth("a-1", "applicant"),
                                  json={"scheme": "no-such-scheme", "earliest_start": "2027-04-01",
                                        "desired_length_months": 6})
    assert_error_shape(r, 422, "scheme")


async def test_the_openapi_documents_the_error_shape_on_every_operation_with_input(service):
    spec = (await service.client.get("/openapi.json")).json()
    assert assert_openapi_documents_error_shape(spec) >= 8
