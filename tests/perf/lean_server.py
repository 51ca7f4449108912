"""The lean intake: `POST /applications`'s durable work as a plain ASGI callable on the services'
server stack (uvicorn with httptools on the asyncio loop), asyncpg and nothing else; the baseline
`http.post_applications` is judged against.

Per request: the caller from the bearer token (PyJWT, HS256, audience and issuer checked: an
endpoint must know whose application it writes), the JSON body, then one transaction on the
applicant service's own schema: read the profile, insert the application row, make or read the
applicant's data key, seal the contact details with it (the event carries them sealed), insert
the timeline row and the outbox row with the ApplicationSubmitted JSON; answer 201 with the
application. A relay in the same process publishes the outbox (tests.perf.lean_hop.relay), as
the service's does. Left out: validation into models, the write limit, business rules beyond
the database's own constraints, idempotency keys (the bench sends none), metrics, tracing.

    python -m tests.perf.lean_server   # LEAN_HTTP_PORT, LEAN_DATABASE_URL, LEAN_KAFKA_...
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import UTC, datetime

import asyncpg
import jwt
import uvicorn
from contracts.examples import example
from shared.crypto import new_data_key, seal
from shared.kafka import make_producer
from shared.outbox import INSERT_SQL
from shared.settings import DEV_JWT_ISSUER, DEV_JWT_SECRET

from contracts import ApplicationSubmittedV2
from tests.perf.lean_hop import relay

APP_SQL = ("INSERT INTO applications (id, applicant_id, scheme, sectors, preferred_regions,"
           " preferred_countries, earliest_start, desired_length_months, opportunity_id,"
           " status, status_at, awaiting_what, awaiting_from) VALUES"
           " ($1, $2, $3, $4, $5, $6, $7::text::date, $8, $9, 'submitted', $10,"
           " 'a match proposal', 'the matching service') RETURNING id, status, created_at")
KEY_SQL = ("WITH made AS (INSERT INTO data_keys (applicant_id, key) VALUES ($1, $2)"
           " ON CONFLICT DO NOTHING RETURNING key)"
           " SELECT key FROM made UNION ALL SELECT key FROM data_keys WHERE applicant_id = $1")
TIMELINE_SQL = ("INSERT INTO timeline (application_id, event_id, event_type, occurred_at,"
                " summary, status, awaiting_what, awaiting_from) VALUES ($1, $2, $3, $4,"
                " 'application submitted', 'submitted', 'a match proposal',"
                " 'the matching service')")
PROFILE_FIELDS = ("organisation_id", "grade", "profession", "role", "clearance_held",
                  "line_manager_id")


class Lean:
    def __init__(self, dsn: str, bootstrap: str, prefix: str) -> None:
        self.dsn, self.bootstrap, self.topic = dsn, bootstrap, prefix + "applications"
        self.template = example(ApplicationSubmittedV2).to_dict()  # once, at start
        self.wake = asyncio.Event()

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=10)
        self.producer = make_producer(self.bootstrap, client_id="lean-intake-outbox")
        await self.producer.start()
        self.relaying = asyncio.create_task(relay(self.pool, self.producer, self.wake, 500))

    async def submit(self, sub: str, body: dict) -> dict:
        app_id, now = uuid.uuid4(), datetime.now(UTC)
        async with self.pool.acquire() as conn, conn.transaction():
            p = await conn.fetchrow("SELECT * FROM applicants WHERE id = $1", sub)
            sectors = json.dumps(body.get("sectors") or json.loads(p["sectors"]))
            regions = json.dumps(body.get("preferred_regions") or json.loads(
                p["preferred_regions"]))
            countries = json.dumps(body.get("preferred_countries") or json.loads(
                p["preferred_countries"]))
            row = await conn.fetchrow(APP_SQL, app_id, sub, body["scheme"], sectors, regions,
                                      countries, body["earliest_start"],
                                      body["desired_length_months"], body.get("opportunity_id"),
                                      now)
            key = await conn.fetchval(KEY_SQL, sub, new_data_key())
            event = self._event(app_id, sub, body, p, now, key, sectors, regions, countries)
            await conn.execute(TIMELINE_SQL, app_id, uuid.UUID(event["event_id"]),
                               event["event_type"], now)
            await conn.execute(INSERT_SQL, uuid.UUID(event["event_id"]), self.topic, str(app_id),
                               event["event_type"], json.dumps(event).encode(),
                               json.dumps(_headers(event)))
        self.wake.set()
        return {"id": str(app_id), "status": row["status"], "scheme": body["scheme"],
                "created_at": row["created_at"].isoformat()}

    def _event(self, app_id, sub, body, p, now, key, sectors, regions, countries) -> dict:
        contact = seal(key, sub, {"name": p["name"], "email": p["email"]}, f"{app_id}|{sub}")
        return {**self.template, **{f: p[f] for f in PROFILE_FIELDS},
                "event_id": str(uuid.uuid4()), "occurred_at": now.isoformat(),
                "correlation_id": str(app_id), "causation_id": None, "producer": "applicant",
                "application_id": str(app_id), "applicant_id": sub, "scheme": body["scheme"],
                "applicant_kind": p["kind"], "skills": json.loads(p["skills"]),
                "sectors": json.loads(sectors), "preferred_regions": json.loads(regions),
                "preferred_countries": json.loads(countries),
                "earliest_start": body["earliest_start"],
                "desired_length_months": body["desired_length_months"],
                "declared_interests": json.loads(p["declared_interests"]),
                "opportunity_id": body.get("opportunity_id"), "applicant_contact": contact}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(self, receive, send)
            return
        if scope["path"] == "/readyz":
            await _answer(send, 200, b'{"status":"ready"}')
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        claims = jwt.decode(auth.removeprefix("Bearer "), DEV_JWT_SECRET, algorithms=["HS256"],
                            audience="bps", issuer=DEV_JWT_ISSUER)
        made = await self.submit(claims["sub"], json.loads(body))
        await _answer(send, 201, json.dumps(made).encode())


def _headers(event: dict) -> dict[str, str]:
    return {"event_type": event["event_type"], "schema_version": str(event["schema_version"]),
            "correlation_id": event["correlation_id"], "producer": event["producer"],
            "content-type": "application/json"}


async def _answer(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(lean: Lean, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await lean.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            lean.relaying.cancel()
            await asyncio.gather(lean.relaying, return_exceptions=True)
            await lean.producer.stop()
            await lean.pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


def main() -> None:
    env = os.environ
    app = Lean(env["LEAN_DATABASE_URL"], env["LEAN_KAFKA_BOOTSTRAP_SERVERS"],
               env.get("LEAN_TOPIC_PREFIX", ""))
    # The services' loop (shared.service.server_config): the comparison is of our code only.
    uvicorn.run(app, host="127.0.0.1", port=int(env["LEAN_HTTP_PORT"]), log_config=None,
                access_log=False, lifespan="on", loop="asyncio")


if __name__ == "__main__":
    main()
