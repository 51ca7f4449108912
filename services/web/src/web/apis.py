"""The other services' public HTTP APIs, called with the signed-in person's access token over
one long-lived connection pool. Their answers become page outcomes: a 422 a form can show,
a 404 page, a sign-in, or the service-unavailable page."""

from __future__ import annotations

from typing import Any

import httpx

from web.config import WebSettings
from web.messages import Problem, problems_of


class ApiProblem(Exception):
    """The API refused the input (400/409/410/422): show the problems on the form."""

    def __init__(self, status: int, problems: list[Problem]) -> None:
        super().__init__(status)
        self.status = status
        self.problems = problems


class PageNotFound(Exception):
    """404 (or 403 on someone else's record): the person sees the not-found page."""


class SignInAgain(Exception):
    """401: the token has run out or was revoked."""


class ServiceDown(Exception):
    """Unreachable, timed out, rate limited or 5xx: the 'Sorry, there is a problem' page."""


class Apis:
    def __init__(self, settings: WebSettings,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.bases = {"applicant": settings.applicant_url, "matching": settings.matching_url,
                      "approval": settings.approval_url,
                      "notification": settings.notification_url,
                      "monitor": settings.monitor_url}
        self.http = httpx.AsyncClient(timeout=settings.api_timeout_seconds,
                                      transport=transport,
                                      limits=httpx.Limits(max_connections=100))
        # Live streams get their own pool: a few HR tabs held open for hours must never take
        # the connections every page's calls need.
        self.streams = httpx.AsyncClient(transport=transport,
                                         limits=httpx.Limits(max_connections=200))
        self.timeout = settings.api_timeout_seconds
        self.stream_read_seconds = settings.stream_read_seconds

    async def close(self) -> None:
        await self.http.aclose()
        await self.streams.aclose()

    async def call(self, user: dict[str, Any], service: str, method: str, path: str, *,
                   json: Any = None, params: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {user['access_token']}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = await self.http.request(method, self.bases[service] + path, json=json,
                                               params=_clean(params), headers=headers)
        except httpx.HTTPError as exc:
            raise ServiceDown(f"{service}: {type(exc).__name__}") from None
        return outcome(service, response)

    async def refusal(self, user: dict[str, Any], service: str, path: str,
                      json: Any = None) -> ApiProblem | None:
        """POST a form's action whose answer the page does not need: None once it is done,
        else the service's refusal (a broken rule, or 409 when the thing moved on meanwhile)."""
        try:
            await self.call(user, service, "POST", path, json=json)
        except ApiProblem as exc:
            return exc
        return None


    async def attempt(self, user: dict[str, Any], service: str, path: str, json: Any,
                      problems: list[Problem]) -> list[Problem] | None:
        """POST a form's action unless the form itself has problems: None once it is done,
        else the problems to show (the form's own, or the service's refusal)."""
        if problems:
            return problems
        refused = await self.refusal(user, service, path, json=json)
        return None if refused is None else refused.problems


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in params.items() if v not in (None, "")} if params else None


def outcome(service: str, response: httpx.Response) -> Any:
    status = response.status_code
    if status in (200, 201):
        return response.json()
    if status == 204:
        return None
    if status == 401:
        raise SignInAgain()
    if status in (403, 404):
        raise PageNotFound()
    if status in (400, 409, 410, 422):  # 410: gone for good (e.g. erased), said in words
        try:
            body = response.json()
        except ValueError:
            body = {}
        raise ApiProblem(status, problems_of(body))
    raise ServiceDown(f"{service}: HTTP {status}")
