"""The applicants' web service: GOV.UK Design System pages over the services' public APIs.
It owns no business rule, no topic and no database; sessions live in this process."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from shared.logging import configure_logging, get_logger
from starlette.exceptions import HTTPException as StarletteHTTPException

from web import handlers
from web.apis import Apis, PageNotFound, ServiceDown, SignInAgain
from web.config import WebSettings
from web.oidc import Oidc
from web.pages import BadForm, NeedsSignIn, environment, render, sign_in_redirect
from web.sessions import COOKIE, SessionStore

log = get_logger(__name__)
UNTRACKED = ("/assets/", "/static/", "/healthz", "/readyz")


def security_headers(settings: WebSettings) -> dict[str, str]:
    idp = "{0.scheme}://{0.netloc}".format(urlsplit(settings.oidc_issuer))
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
           f"frame-ancestors 'none'; form-action 'self' {idp}")
    headers = {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
               "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
               "Cross-Origin-Opener-Policy": "same-origin",
               "Permissions-Policy": "camera=(), microphone=(), geolocation=()"}
    if settings.cookie_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def build_app(settings: WebSettings, transport: httpx.AsyncBaseTransport | None = None
              ) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        configure_logging(settings.service_name, settings.log_level)
        app.state.apis = Apis(settings, transport)
        app.state.oidc = Oidc(settings, app.state.apis.http)
        yield
        await app.state.apis.close()

    app = FastAPI(title="Business Placement Scheme (web)", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.clock = time.time
    app.state.sessions = SessionStore(settings.session_idle_minutes * 60, settings.max_sessions)
    app.state.templates = environment()
    app.mount("/assets", StaticFiles(directory=settings.assets_dir / "assets",
                                     check_dir=False), name="assets")
    app.mount("/static/govuk", StaticFiles(directory=settings.assets_dir, check_dir=False),
              name="govuk")
    app.mount("/static/app", StaticFiles(directory=Path(__file__).parent / "static"),
              name="app-static")
    app.include_router(handlers.router)
    _install_middleware(app, settings)
    _install_error_pages(app)
    return app


def _install_middleware(app: FastAPI, settings: WebSettings) -> None:
    headers = security_headers(settings)

    @app.middleware("http")
    async def session_and_headers(request: Request, call_next) -> Response:
        store: SessionStore = app.state.sessions
        tracked = not request.url.path.startswith(UNTRACKED)
        if tracked:
            request.state.session = store.get(request.cookies.get(COOKIE)) or store.new()
        response = await call_next(request)
        response.headers.update(headers)
        if tracked:
            # Pages hold personal data: never cached by the browser or anything between.
            response.headers["Cache-Control"] = "no-store"
            session = request.state.session
            if session is None:
                response.delete_cookie(COOKIE, path="/")
            elif session.fresh:
                response.set_cookie(COOKIE, session.id, httponly=True, samesite="lax",
                                    secure=settings.cookie_secure, path="/")
        return response


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NeedsSignIn)
    async def _sign_in(request: Request, exc: NeedsSignIn) -> Response:
        return sign_in_redirect(exc.next_path)

    @app.exception_handler(SignInAgain)
    async def _token_refused(request: Request, exc: SignInAgain) -> Response:
        request.state.session.data.pop("user", None)
        return sign_in_redirect(request.url.path)

    @app.exception_handler(PageNotFound)
    async def _not_found(request: Request, exc: PageNotFound) -> Response:
        return render(request, "errors/not_found.html", status_code=404)

    @app.exception_handler(ServiceDown)
    async def _down(request: Request, exc: ServiceDown) -> Response:
        log.warning("an API is unavailable", path=request.url.path, cause=str(exc))
        return render(request, "errors/unavailable.html", status_code=503)

    @app.exception_handler(BadForm)
    async def _bad_form(request: Request, exc: BadForm) -> Response:
        return render(request, "errors/bad_form.html", status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _bad_address(request: Request, exc: RequestValidationError) -> Response:
        return render(request, "errors/not_found.html", status_code=404)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if getattr(request.state, "session", None) is None:
            return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
        if exc.status_code == 404:
            return render(request, "errors/not_found.html", status_code=404)
        return render(request, "errors/unavailable.html", status_code=exc.status_code)
