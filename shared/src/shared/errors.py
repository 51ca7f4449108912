"""One error shape for every service: {"detail": message, "field": name-or-null, "errors": [...]}.

`install_error_handlers` makes every error a service answers take it: a broken rule
(ServiceError), a body or parameter that fails validation, an HTTPException (401, 403, 413...)
and an unexpected failure. `ERROR_RESPONSES` documents it in each router's OpenAPI, in place of
FastAPI's own validation-error schema.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import get_logger

log = get_logger(__name__)
# Where a problem was found, not part of its field name.
_LOCATIONS = ("body", "query", "path", "header", "cookie")


class Problem(BaseModel):
    field: str | None = Field(description="dotted path of the field, or null")
    message: str


class ErrorOut(BaseModel):
    """What every service answers when it refuses a request."""

    detail: str = Field(description="what is wrong, and how to put it right",
                        examples=["desired_length_months: must be 1 to 12 months"])
    field: str | None = Field(default=None, description="the first offending field, if any",
                              examples=["desired_length_months"])
    errors: list[Problem] = Field(default_factory=list,
                                  description="every problem found (validation errors)")


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# Every router passes these as `responses=`; a 422 given here replaces FastAPI's own schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _doc("no valid bearer token"),
    403: _doc("your roles or organisation may not do this"),
    404: _doc("no such resource among those you may see"),
    409: _doc("the resource's state does not allow this now"),
    422: _doc("the request breaks a rule or fails validation; `field` names it"),
}
# The database is away (crashed and recovering, restarting, failing over, out of connections):
# the request may be sent again. Writes carry an Idempotency-Key, so one whose COMMIT landed
# just before the connection broke is answered from its record, never applied twice.
# InternalClientError: asyncpg's own state goes wrong when the server dies mid-statement
# (MagicStack/asyncpg#1069; seen in the PostgreSQL-kill fault run).
DATABASE_UNAVAILABLE = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                        asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError,
                        asyncpg.AdminShutdownError, asyncpg.CrashShutdownError,
                        asyncpg.InternalClientError)


class ServiceError(Exception):
    """Raised by use cases; carries the HTTP status and a message a person can act on."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None,
                 status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status_code is not None:
            self.status_code = status_code


class Invalid(ServiceError):
    status_code = 422


class NotFound(ServiceError):
    status_code = 404


class Forbidden(ServiceError):
    status_code = 403


class Conflict(ServiceError):
    status_code = 409


def error_body(detail: str, field: str | None = None,
               errors: list[Problem] | None = None) -> dict[str, Any]:
    return ErrorOut(detail=detail, field=field, errors=errors or []).model_dump(mode="json")


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The first bad field names the error; every problem stays listed."""
    problems = [Problem(field=_field(e.get("loc", ())), message=e.get("msg", "invalid"))
                for e in errors]
    if not problems:
        return error_body("invalid request")
    first = problems[0]
    detail = f"{first.field}: {first.message}" if first.field else first.message
    return error_body(detail, first.field, problems)


def _field(loc: tuple | list) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(error_body(exc.message, exc.field), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(list(exc.errors())), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(asyncpg.CharacterNotInRepertoireError)
    @app.exception_handler(asyncpg.UntranslatableCharacterError)
    async def _unstorable_text(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL text cannot hold NUL; the statement failed, so nothing was applied.
        return JSONResponse(error_body("text must not contain NUL (\\u0000) characters"),
                            status_code=422)

    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("backing service unavailable", path=request.url.path, error=repr(exc))
        return JSONResponse(error_body("temporarily unavailable (the database or another "
                                       "service this needs cannot be reached); retry shortly, "
                                       "a write with the same Idempotency-Key"),
                            status_code=503, headers={"Retry-After": "1"})

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return JSONResponse(error_body("internal error; the request was not applied"),
                            status_code=500)
