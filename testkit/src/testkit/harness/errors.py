"""Checks that a service answers and documents the platform's one error shape."""

from __future__ import annotations

from typing import Any

import httpx


def assert_error_shape(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    """The answer is {"detail", "field", "errors"}, `field` named first and in the detail."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail", "field", "errors"}, body
    assert body["field"] == field, body
    assert body["detail"].startswith(f"{field}: "), body
    assert body["errors"] and body["errors"][0]["field"] == field, body
    return body


def assert_openapi_documents_error_shape(spec: dict[str, Any]) -> int:
    """Every operation that takes input documents its 422 as ErrorOut (never FastAPI's own
    HTTPValidationError); returns how many operations were checked."""
    assert "HTTPValidationError" not in spec.get("components", {}).get("schemas", {})
    checked = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not (op.get("parameters") or op.get("requestBody")):
                continue
            schema = op["responses"]["422"]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/ErrorOut"), (method, path, schema)
            checked += 1
    return checked


# Past any bigint column: numbers like this once reached the database and came back as a 500.
HUGE = 10**30


async def assert_huge_offset_is_a_422(client: httpx.AsyncClient, path: str,
                                      headers: dict[str, str]) -> None:
    """A list's offset past any real list is refused as a 422 naming `offset`."""
    r = await client.get(path, params={"offset": HUGE}, headers=headers)
    assert r.status_code == 422, (path, r.text)
    assert r.json()["field"] == "offset"
