"""Per-extract pseudonyms: HMAC-SHA256 under a random key made for one extract and dropped
when it is built (never stored, never logged). Within an extract the same id always gets the
same pseudonym, so its files join; across extracts they differ, so extracts cannot be joined
with each other, and nobody (the monitor included) can turn a pseudonym back into an id."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

# Column -> the letter its pseudonyms start with (so a reader sees what kind of thing it is).
PSEUDONYMISED = {"applicant": "P", "application": "A", "placement": "L", "host": "H"}


class Pseudonyms:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def of(self, column: str, value: str) -> str:
        digest = hmac.new(self._key, f"{column}:{value}".encode(), hashlib.sha256).hexdigest()
        return PSEUDONYMISED[column] + digest[:16]

    def apply(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: self.of(k, str(v)) if k in PSEUDONYMISED and v is not None else v
                 for k, v in row.items()} for row in rows]
