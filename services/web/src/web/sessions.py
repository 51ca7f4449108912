"""Server-side sessions held in this process's memory: the cookie carries only a random id.

Sign-out deletes the session here, so the id is worthless afterwards wherever it was copied;
a session idle longer than the limit is gone too. Tokens live only in these server-side
records, never in a cookie, a URL or a log."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

COOKIE = "bps_session"


@dataclass
class Session:
    id: str
    csrf: str
    last_seen: float
    data: dict[str, Any] = field(default_factory=dict)
    fresh: bool = True  # the cookie must be (re)sent with this response

    @property
    def user(self) -> dict[str, Any] | None:
        return self.data.get("user")

    def draft(self, name: str) -> dict[str, Any]:
        return self.data.setdefault("drafts", {}).setdefault(name, {})


class SessionStore:
    def __init__(self, idle_seconds: float, max_sessions: int,
                 clock=time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self.clock = clock
        # Oldest use first: expiry and the size cap trim from the front.
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def new(self, data: dict[str, Any] | None = None) -> Session:
        self._trim()
        session = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32),
                          last_seen=self.clock(), data=data or {})
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        session = self._sessions.get(session_id or "")
        if session is None:
            return None
        if self.clock() - session.last_seen > self.idle_seconds:
            self.end(session.id)
            return None
        session.last_seen = self.clock()
        session.fresh = False
        self._sessions.move_to_end(session.id)
        return session

    def rotate(self, session: Session) -> Session:
        """A new id and CSRF token for the same data (after sign-in: no session fixation)."""
        self.end(session.id)
        return self.new(session.data)

    def end(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _trim(self) -> None:
        now = self.clock()
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if now - oldest.last_seen <= self.idle_seconds and len(
                    self._sessions) < self.max_sessions:
                break
            self._sessions.popitem(last=False)
