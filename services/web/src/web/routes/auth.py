"""Sign-in (OIDC authorization code + PKCE), the callback, sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from shared.logging import get_logger

from web.oidc import SignInFailed
from web.pages import posted, render, see_other, session_of

router = APIRouter()
# Approvers other than HR (HR's home links their tasks) and hosts (the host pages' own home).
APPROVERS = frozenset({"line_manager", "ethics", "vetting", "employer", "fcdo_post", "bcc"})
log = get_logger(__name__)


def safe_next(value: str | None) -> str:
    """Only a path on this site (no //host, no scheme): no open redirect after sign-in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/applications"


@router.get("/sign-in")
async def sign_in(request: Request, next: str | None = None) -> Response:  # noqa: A002
    session = session_of(request)
    pending = session.data.setdefault("oidc", {})
    pending["next"] = safe_next(next) if next else None
    url = await request.app.state.oidc.start(pending)
    return RedirectResponse(url, status_code=303)


@router.get("/auth/callback")
async def callback(request: Request, code: str | None = None, state: str | None = None,
                   error: str | None = None) -> Response:
    store = request.app.state.sessions
    session = session_of(request)
    pending = session.data.pop("oidc", None) or {}
    if error or not pending:
        return render(request, "sign_in_failed.html", status_code=400)
    try:
        user = await request.app.state.oidc.finish(pending, state, code)
    except SignInFailed as exc:
        log.warning("sign-in refused", reason=str(exc))
        return render(request, "sign_in_failed.html", status_code=400)
    fresh = store.rotate(session)  # a new id once signed in: no session fixation
    fresh.data["user"] = user
    request.state.session = fresh
    log.info("signed in", sub=user["sub"])
    return see_other(pending.get("next") or home_of(user))


def home_of(user: dict) -> str:
    """Where a sign-in without a page to return to lands: HR's home, a host's opportunities,
    an approver's tasks, an evaluator's research extracts, or the applications."""
    if "hr" in user["roles"]:
        return "/hr"
    if "host" in user["roles"]:
        return "/host"
    if "evaluator" in user["roles"]:
        return "/research"
    return "/tasks" if APPROVERS & set(user["roles"]) else "/applications"


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    if session_of(request).user is not None:
        await posted(request)  # the CSRF check: nobody signs you out from another site
    request.app.state.sessions.end(session_of(request).id)
    request.state.session = None
    end = await request.app.state.oidc.end_session_url()
    return RedirectResponse(end or "/signed-out", status_code=303)


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html")


@router.get("/healthz")
@router.get("/readyz")
async def healthz() -> dict[str, str]:
    # Nothing of its own to check: an API or the provider that is down shows on the pages.
    return {"status": "ok"}
