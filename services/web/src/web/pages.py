"""Rendering and the plumbing every page shares: the session's signed-in person, CSRF-checked
form posts, the GOV.UK error summary, and the error pages."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

from web.apis import PageNotFound
from web.dates import due_tag, long_date, long_datetime
from web.messages import DATE_FIELDS, Problem, label
from web.sessions import Session

# A form value longer than this is refused before any API call (the APIs' own limits are
# lower; this only keeps huge pastes off the wire).
MAX_FIELD_CHARS = 2_000


class NeedsSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class BadForm(Exception):
    """A post without this session's CSRF token."""


def environment() -> Environment:
    loader = ChoiceLoader([
        FileSystemLoader(Path(__file__).parent / "templates"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]),
                      enable_async=False, trim_blocks=True, lstrip_blocks=True)
    env.globals["label"] = label
    env.filters["problem_link"] = problem_link
    env.filters["humanise"] = humanise
    env.filters["option"] = lambda v, chosen: {"value": v, "text": humanise(v),
                                               "selected": v == chosen}
    env.filters["checkbox"] = lambda v, chosen: {"value": v, "text": humanise(v),
                                                 "checked": v in chosen}
    env.filters["kind_option"] = lambda pair, chosen: {"value": pair[0], "text": pair[1],
                                                       "selected": pair[0] == chosen}
    env.filters["status_tag"] = status_tag
    env.filters["radio_item"] = lambda pair: {"value": pair[0], "text": pair[1]}
    env.filters.update(long_date=long_date, long_datetime=long_datetime, due_tag=due_tag)
    return env


def humanise(value: Any) -> str:
    """'clean_energy' -> 'Clean energy'; region names and codes stay as they are."""
    text = str(value)
    return text.replace("_", " ").capitalize() if "_" in text or text.islower() else text


STATUS_COLOURS = {"submitted": "blue", "matching": "blue", "waiting": "grey",
                  "matched": "turquoise", "in_approval": "yellow", "approved": "green",
                  "confirmed": "green", "started": "green", "ended": "grey",
                  "withdrawn": "grey", "rejected": "red"}


def status_tag(status: str) -> dict[str, str]:
    return {"text": humanise(status),
            "classes": f"govuk-tag--{STATUS_COLOURS.get(status, 'grey')}"}


def session_of(request: Request) -> Session:
    return request.state.session


def render(request: Request, template: str, status_code: int = 200,
           problems: list[Problem] | None = None, **context: Any) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    errors = {p.field: p.message for p in problems or [] if p.field}
    context.setdefault("typed", None)
    context.setdefault("values", {})
    html = request.app.state.templates.get_template(template).render(
        request=request, user=session.user if session else None,
        csrf=session.csrf if session else "", problems=problems or [],
        errors=errors, **form_helpers(errors, context["typed"], context["values"]),
        **context)
    return HTMLResponse(html, status_code=status_code)


async def one_thing_page(request: Request, user: dict[str, Any], template: str, name: str,
                         service: str, path: str) -> HTMLResponse:
    """A page that shows one thing a service holds, read as this user: the service decides
    whether they may see it (403) and whether it exists (404)."""
    found = await request.app.state.apis.call(user, service, "GET", path)
    return render(request, template, **{name: found})


async def list_page(request: Request, user: dict[str, Any], template: str, name: str,
                    service: str, path: str, **context: Any) -> HTMLResponse:
    """A page listing what a service holds for this user (its first 100), the service
    choosing what they may see."""
    found = await request.app.state.apis.call(user, service, "GET", path, params={"limit": 100})
    return render(request, template, **{name: found}, **context)


def form_helpers(errors: dict[str, str], typed: Posted | None,
                 values: dict[str, Any]) -> dict[str, Any]:
    """Template functions: a field's error, and its value as typed (after an error or a lapsed
    session) or else as stored."""
    def err(name: str) -> dict[str, str] | None:
        return {"text": errors[name]} if name in errors else None

    def val(name: str) -> str:
        if typed is not None:
            return typed.get(name) if name in dict(typed.items) else ""
        value = values.get(name)
        return "" if value is None else str(value)

    def vals(name: str) -> list[str]:
        return typed.all(name) if typed is not None else list(values.get(name) or [])

    def date_items(name: str) -> list[dict[str, str]]:
        stored = values.get(name) or {}
        wrong = " govuk-input--error" if name in errors else ""
        return [{"name": part, "value": typed.get(f"{name}-{part}") if typed is not None
                 else stored.get(part, ""),
                 "classes": f"govuk-input--width-{4 if part == 'year' else 2}{wrong}"}
                for part in ("day", "month", "year")]

    return {"err": err, "val": val, "vals": vals, "date_items": date_items}


def problem_link(problem: Problem) -> dict[str, str]:
    """The error summary's link to the field (a date input's first box)."""
    href = f"#{problem.field}{'-day' if problem.field in DATE_FIELDS else ''}"
    return {"text": problem.message, "href": href} if problem.field else {
        "text": problem.message}


def acting_for(request: Request, role: str) -> dict[str, Any]:
    """A signed-in person with `role` acting for an organisation (an `org` claim); anyone
    else sees 'Page not found'."""
    user = signed_in(request)
    if role not in user["roles"] or not user.get("org"):
        raise PageNotFound()
    return user


def signed_in(request: Request) -> dict[str, Any]:
    """The signed-in person, or off to sign-in (and back to this page afterwards)."""
    session = session_of(request)
    user = session.user
    clock = request.app.state.clock
    if user is None or user["expires_at"] <= clock():
        session.data.pop("user", None)
        raise NeedsSignIn(request.url.path + (f"?{request.url.query}"
                                              if request.url.query else ""))
    return user


class Posted:
    """A posted form's values exactly as typed (Welsh, Arabic, emoji kept)."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items

    def get(self, name: str) -> str:
        return next((v for k, v in self.items if k == name), "").strip()

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == name and v]

    def too_long(self) -> list[Problem]:
        """Fields past the cap, refused here so a 100 KB paste never reaches an API."""
        return [Problem(k, f"{label(k)} must be {MAX_FIELD_CHARS:,} characters or fewer")
                for k, v in self.items if len(v) > MAX_FIELD_CHARS]


async def posted(request: Request) -> Posted:
    """The form after the CSRF check."""
    form = await request.form()
    session = session_of(request)
    token = str(form.get("csrf_token", ""))
    items = [(k, v) for k, v in form.multi_items() if k != "csrf_token" and isinstance(v, str)]
    if session.user is None or session.user["expires_at"] <= request.app.state.clock():
        # Signed out meanwhile: keep what they typed for when they come back (no CSRF check
        # needed: nothing is applied, the draft only pre-fills their own form).
        session.data.pop("user", None)
        session.draft("returning")[request.url.path] = items[:200]
        raise NeedsSignIn(request.url.path)
    if not token or not hmac.compare_digest(token, session.csrf):
        raise BadForm()
    return Posted(items)


def returning(request: Request) -> Posted | None:
    """What the person had typed on this page before their session ran out, once."""
    kept = session_of(request).draft("returning").pop(request.url.path, None)
    return Posted(kept) if kept else None


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/sign-in?next={quote(next_path, safe='')}", status_code=303)


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def error_page(request: Request, status_code: int, template: str) -> Response:
    return render(request, template, status_code=status_code)
