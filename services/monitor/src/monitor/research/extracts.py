"""Use cases of research extracts: make one (evaluators), list and read one's own, and the log
of every extract for central HR."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from pydantic import BaseModel, ConfigDict, Field
from shared.errors import NotFound
from shared.logging import get_logger

from contracts import Scheme
from monitor import repository as repo
from monitor.config import MonitorSettings
from monitor.research import build, columns, store
from monitor.research.pseudonyms import Pseudonyms
from monitor.research.suppress import suppress

log = get_logger(__name__)


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"purpose": "Interim evaluation, regional balance", "schemes": ["industry"]}]})
    purpose: str = Field(min_length=3, max_length=500, description="What the extract is for "
                         "(kept in the log)")
    schemes: list[Scheme] = Field(default_factory=lambda: list(Scheme), min_length=1,
                                  max_length=3, description="Schemes to include; all if left out")


class Extract(BaseModel):
    """One extract's log entry: who, when, what, how many rows, what was suppressed."""

    id: str
    requested_by: str
    requested_at: datetime
    purpose: str
    schemes: list[str]
    min_group: int = Field(description="every quasi-identifier combination describes at least "
                                       "this many applicants")
    row_counts: dict[str, int] = Field(description="file -> rows")
    suppressed: dict[str, int] = Field(description="column -> values hidden as [c]")
    withheld: int = Field(description="applicants left out: they stood out even with every "
                                      "quasi-identifier hidden")
    expires_at: datetime
    available: bool = Field(description="false once the files have expired")
    files: dict[str, str] = Field(description="file name -> its path on this service")
    rule: str

    @classmethod
    def of(cls, row: asyncpg.Record) -> Extract:
        base = f"/research/extracts/{row['id']}/"
        return cls(**{k: row[k] for k in ("requested_by", "requested_at", "purpose",
                                           "min_group", "row_counts", "suppressed", "withheld",
                                           "expires_at", "available")},
                   id=str(row["id"]), schemes=list(row["schemes"]),
                   files={f: base + f for f in columns.FILE_NAMES} if row["available"] else {},
                   rule=columns.rule_in_words(row["min_group"]))


class ExtractLog(BaseModel):
    items: list[Extract] = Field(description="newest first")


class ResearchExtracts:
    def __init__(self, settings: MonitorSettings, pool: asyncpg.Pool,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.pool = pool
        self.k = settings.research_min_group
        self.retention = timedelta(days=settings.research_retention_days)
        self.clock = clock

    async def make(self, request: ExtractRequest, by: str) -> Extract:
        now = self.clock()
        await store.forget_expired_files(self.pool, now)
        schemes = sorted({s.value for s in request.schemes})
        persons = build.people(await repo.all_journey_events(self.pool),
                               await repo.opportunity_events(self.pool), set(schemes),
                               await store.erased_applicants(self.pool))
        done = suppress(persons, self.k)
        files, counts = self.files(done.kept)
        row = await store.insert(self.pool, {
            "id": uuid.uuid4(), "requested_by": by, "purpose": request.purpose,
            "schemes": schemes, "min_group": self.k, "row_counts": counts,
            "suppressed": dict(done.hidden), "withheld": done.withheld,
            "expires_at": now + self.retention, "files": files})
        log.info("research extract made", extract_id=str(row["id"]), by=by, rows=counts,
                 withheld=done.withheld)
        return Extract.of(row)

    def files(self, persons: list[build.Person]) -> tuple[dict[str, str], dict[str, int]]:
        """The files' text, pseudonymised under a key that lives only in this call."""
        pseudonyms = Pseudonyms()
        files: dict[str, str] = {columns.DICTIONARY: columns.dictionary(self.k)}
        counts: dict[str, int] = {}
        for spec in columns.FILES:
            rows: list[dict[str, Any]] = [r for p in persons for r in p.rows.get(spec.name, [])]
            # Sorted after pseudonymising: an order by real ids would tell something of them.
            rows = sorted(pseudonyms.apply(rows),
                          key=lambda r: tuple(str(r.get(c)) for c in spec.header))
            files[spec.name] = columns.to_csv(spec, rows)
            counts[spec.name] = len(rows)
        return files, counts

    async def mine(self, by: str) -> ExtractLog:
        return ExtractLog(items=[Extract.of(r) for r in await store.log(self.pool, by, 100)])

    async def everyone(self, limit: int) -> ExtractLog:
        return ExtractLog(items=[Extract.of(r) for r in await store.log(self.pool, None, limit)])

    async def get(self, extract_id: uuid.UUID, by: str) -> Extract:
        row = await store.one(self.pool, extract_id, by)
        if row is None:
            raise NotFound(f"extract_id: you have no extract {extract_id}", "extract_id")
        return Extract.of(row)

    async def file(self, extract_id: uuid.UUID, by: str, name: str) -> str:
        text = await store.file(self.pool, extract_id, by, name, self.clock())
        if text is None:
            extract = await self.get(extract_id, by)  # 404 when not theirs
            raise NotFound(f"extract_id: extract {extract_id} expired on "
                           f"{extract.expires_at.date()}; request a new one", "extract_id")
        return text
