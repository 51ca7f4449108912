"""One error shape for every service: {"detail": message, "field": name-or-null}."""

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.logging import get_logger

log = get_logger(__name__)
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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "field": exc.field},
                            status_code=exc.status_code)

    @app.exception_handler(asyncpg.CharacterNotInRepertoireError)
    @app.exception_handler(asyncpg.UntranslatableCharacterError)
    async def _unstorable_text(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL text cannot hold NUL; the statement failed, so nothing was applied.
        return JSONResponse({"detail": "text must not contain NUL (\\u0000) characters",
                             "field": None}, status_code=422)

    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("backing service unavailable", path=request.url.path, error=repr(exc))
        return JSONResponse({"detail": "temporarily unavailable (the database or another "
                                       "service this needs cannot be reached); retry shortly, "
                                       "a write with the same Idempotency-Key", "field": None},
                            status_code=503, headers={"Retry-After": "1"})

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return JSONResponse({"detail": "internal error; the request was not applied"},
                            status_code=500)
