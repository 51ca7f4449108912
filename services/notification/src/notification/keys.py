"""Opening the sealed contact details of ApplicationSubmitted v2.

The applicant service holds each person's data key and hands it only to allowed service
principals. Once the person is erased the key is gone (404) and the sealed copy, here or in
Kafka, is unreadable: we simply keep no contact for them.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from shared.crypto import decode_key, unseal

from contracts import ApplicationSubmittedV2


class DataKeyClient:
    def __init__(self, base_url: str, token: Callable[[], str], timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    async def open_contact(self, event: ApplicationSubmittedV2) -> dict[str, str] | None:
        sealed = event.applicant_contact
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout) as http:
                r = await http.get(f"/internal/data-keys/{sealed.key_id}",
                                   headers={"Authorization": f"Bearer {self.token()}"})
        except httpx.TransportError as exc:
            # The applicant service is away: a transient failure, so the record is reread.
            raise ConnectionError(f"applicant service unreachable: {exc!r}") from exc
        if r.status_code == 404:
            return None  # erased (or never sealed anything): nothing to keep
        if r.status_code >= 500:
            raise ConnectionError(f"applicant service answered {r.status_code}")
        r.raise_for_status()
        context = ApplicationSubmittedV2.contact_context(event.application_id, event.applicant_id)
        return unseal(decode_key(r.json()["key"]), sealed.model_dump(), context)
