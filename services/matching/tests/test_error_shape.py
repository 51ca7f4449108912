from shared.testing.errors import assert_error_shape, assert_openapi_documents_error_shape

from .matching_support import opportunity_body


async def test_a_bad_body_gets_the_platform_error_shape_naming_the_field(service):
    r = await service.client.post("/opportunities", json=opportunity_body(capacity=0),
                                  headers=service.auth("host-1", "host", org="org-1"))
    assert_error_shape(r, 422, "capacity")


async def test_departmental_hr_hears_403_in_the_same_shape_naming_org(service):
    r = await service.client.get("/rounds", headers=service.auth("hr-2", "hr", org="dept-x"))
    assert r.status_code == 403 and r.json()["field"] == "org"


async def test_the_openapi_documents_the_error_shape_on_every_operation_with_input(service):
    spec = (await service.client.get("/openapi.json")).json()
    assert assert_openapi_documents_error_shape(spec) >= 8
