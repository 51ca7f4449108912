import uuid

from testkit.harness.errors import assert_error_shape, assert_openapi_documents_error_shape


async def test_a_bad_body_gets_the_platform_error_shape_naming_the_field(service):
    r = await service.client.post(f"/stages/{uuid.uuid4()}/decision", json={"decision": "maybe"},
                                  headers=service.auth("lm-1", "line_manager"))
    assert_error_shape(r, 422, "decision")


async def test_the_openapi_documents_the_error_shape_on_every_operation_with_input(service):
    spec = (await service.client.get("/openapi.json")).json()
    assert assert_openapi_documents_error_shape(spec) >= 7
