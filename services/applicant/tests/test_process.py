"""`python -m applicant` as a real process, SIGKILLed during a burst of submissions that the
clients then retry with the same Idempotency-Keys."""

import asyncio
import uuid

import httpx
from applicant.config import ApplicantSettings
from shared.auth import mint_dev_token
from testkit.harness.events import TopicReader, eventually
from testkit.harness.postgres import drop_database
from testkit.harness.process import process_for
from testkit.harness.service import test_settings as fresh_settings

from contracts import Scheme

from .conftest import PROFILES, application_body

CLIENTS = 40


def headers(sub: str, key: str | None = None) -> dict:
    h = {"Authorization": f"Bearer {mint_dev_token(sub, ['applicant'])}"}
    return {**h, "Idempotency-Key": key} if key else h


async def submit(client: httpx.AsyncClient, sub: str, key: str) -> httpx.Response | None:
    try:
        return await client.post("/applications", json=application_body(Scheme.INDUSTRY),
                                  headers=headers(sub, key))
    except httpx.HTTPError:
        return None  # the process died under this request: the client will retry


async def test_clients_retrying_across_a_sigkill_get_exactly_one_application_each(tmp_path):
    settings = await fresh_settings(ApplicantSettings)
    proc = process_for(settings, tmp_path, WRITE_RATE_PER_MINUTE="100000")
    subs = [f"applicant-{i}" for i in range(CLIENTS)]
    keys = {sub: str(uuid.uuid4()) for sub in subs}
    try:
        await asyncio.to_thread(proc.start)
        async with httpx.AsyncClient(base_url=proc.url, timeout=10) as client:
            for sub in subs:
                r = await client.put("/applicants/me", json=PROFILES[Scheme.INDUSTRY],
                                     headers=headers(sub))
                assert r.status_code == 201, r.text
            burst = [asyncio.create_task(submit(client, sub, keys[sub])) for sub in subs]
            await eventually(lambda: sum(t.done() for t in burst) >= CLIENTS // 4,
                             timeout=30, interval=0.005)
            proc.kill()
            before = await asyncio.gather(*burst)
        await asyncio.to_thread(proc.start)
        async with httpx.AsyncClient(base_url=proc.url, timeout=10) as client:
            after = await asyncio.gather(*(submit(client, sub, keys[sub]) for sub in subs))
            hr = {"Authorization": f"Bearer {mint_dev_token('hr-alice', ['hr'])}"}
            listing = await client.get("/applications", params={"limit": 200}, headers=hr)
        async with TopicReader(settings.kafka_bootstrap_servers,
                               settings.topic("applications")) as reader:
            ids = {r.json()["id"] for r in after}
            await reader.wait_for(lambda _: {str(e.application_id) for e in reader.events()}
                                  >= ids, timeout=30)
            events = reader.events()
    finally:
        proc.stop()
        await drop_database(settings.database_url)

    answered_before = [b for b in before if b is not None]
    assert 0 < len(answered_before) < CLIENTS  # the kill really landed mid-burst
    assert all(a.status_code == 201 for a in after)
    # Every answer given before the crash is the one replayed after it.
    for sub, b in zip(subs, before, strict=True):
        if b is not None and b.status_code == 201:
            assert after[subs.index(sub)].json()["id"] == b.json()["id"]
    assert listing.json()["total"] == CLIENTS
    per_application: dict[str, set] = {}
    for e in events:
        per_application.setdefault(str(e.application_id), set()).add(e.event_id)
    assert set(per_application) == ids
    assert all(len(v) == 1 for v in per_application.values())
