"""Mass assignment: no write endpoint accepts a field it does not declare (status, owner,
scores...); the 422 names the field. Checked on the published schemas and on the wire."""

from __future__ import annotations

from tests.e2e.system import SERVICES
from tests.security.matrix import MATRIX, PRINCIPALS, Endpoint
from tests.security.security_world import as_principal

# Fields an attacker would like to set on their own objects.
TEMPTING = ("status", "owner", "applicant_id", "host_org_id", "score", "places_held", "id",
            "created_by", "decided_by", "roles")


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    options = schema.get("anyOf", [])
    objects = [resolve(spec, o) for o in options if o.get("type") != "null"]
    return objects[0] if objects else schema


def named_fields(answer: dict) -> set[str]:
    """The fields a 422 names as not allowed, in FastAPI's shape or the platform's."""
    if isinstance(answer["detail"], list):
        return {str(d["loc"][-1]) for d in answer["detail"] if d["type"] == "extra_forbidden"}
    return {p["field"].split(".")[-1] for p in answer.get("errors", [])
            if "Extra inputs" in p["message"]}


def allowed_caller(e: Endpoint) -> str:
    # The body is validated before any ownership check, so any allowed role will do.
    return next(p for p in PRINCIPALS if e.allowed is not None and PRINCIPALS[p][1] in e.allowed)


async def test_every_request_body_schema_forbids_unknown_fields(security_system, http):
    bodies = []
    for service in SERVICES:
        spec = (await http.get(security_system.url(service) + "/openapi.json")).json()
        for path, item in spec["paths"].items():
            for method, op in item.items():
                content = op.get("requestBody", {}).get("content", {})
                if "application/json" not in content:
                    continue
                schema = resolve(spec, content["application/json"]["schema"])
                assert schema.get("additionalProperties") is False, (service, method, path)
                bodies.append((service, method, path))
    assert len(bodies) >= 12, bodies


async def test_a_write_with_an_undeclared_field_is_refused_with_422_naming_it(
        security_system, http, world):
    tried = 0
    for e in MATRIX:
        if not isinstance(e.body, dict) or e.allowed is None:
            continue
        extras = {k: "x" for k in TEMPTING if k not in e.body}
        r = await http.request(e.method, security_system.url(e.service) +
                               e.url_path(world.ids), json={**e.body, **extras},
                               headers=as_principal(allowed_caller(e)))
        assert r.status_code == 422, (e.service, e.method, e.path, r.text)
        assert named_fields(r.json()) == set(extras), (e.service, e.path, r.text)
        tried += 1
    assert tried >= 12
