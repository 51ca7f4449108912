"""The monitor's use cases in one typed container: its routes depend on this, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer
from shared.errors import NotFound
from sse_starlette import ServerSentEvent

from monitor import kpis
from monitor import repository as repo
from monitor.config import MonitorSettings
from monitor.domain import timeline
from monitor.handlers import Replayer
from monitor.opendata.releases import OpenDataReleases
from monitor.research.extracts import ResearchExtracts
from monitor.schemas import (
    DeadRecord,
    DeadRecordPage,
    Kpis,
    OpenData,
    OpenDataRow,
    Replayed,
    Timeline,
    TimelineStep,
)
from monitor.stream import follow
from monitor.targets.service import KpiTargets


class MonitorUseCases:
    def __init__(self, settings: MonitorSettings, pool: asyncpg.Pool,
                 producer: AIOKafkaProducer) -> None:
        self.settings = settings
        self.pool = pool
        self.replayer = Replayer(pool, producer)
        self.open_data_releases = OpenDataReleases(settings, pool)
        self.research = ResearchExtracts(settings, pool)
        self.targets = KpiTargets(pool)

    def stream(self, f: repo.StreamFilter, after: int | None,
               backlog: int | None) -> AsyncIterator[ServerSentEvent]:
        s = self.settings
        return follow(self.pool, f, after, s.stream_default_backlog if backlog is None
                      else backlog, s.stream_poll_seconds)

    async def timeline(self, application_id: UUID) -> Timeline:
        """An application's events in story order; a placement id finds its application."""
        events = await repo.journey_events(self.pool, application_id)
        if not events:
            owner = await repo.application_of_placement(self.pool, application_id)
            events = await repo.journey_events(self.pool, owner) if owner else []
            application_id = owner or application_id
        if not events:
            raise NotFound(f"no events for application or placement {application_id}",
                           "application_id")
        steps = timeline(events)
        return Timeline(application_id=str(application_id),
                        scheme=next((e.scheme for e in events if e.scheme), None),
                        total_seconds=steps[-1].since_start_seconds,
                        steps=[TimelineStep(**s.__dict__) for s in steps])

    async def kpis(self) -> Kpis:
        return Kpis.model_validate(kpis.compute_kpis(
            await repo.all_journey_events(self.pool), await repo.opportunity_events(self.pool),
            datetime.now(UTC)))

    async def open_data(self) -> OpenData:
        floor = self.settings.open_data_min_cell
        rows = kpis.open_data(await repo.all_journey_events(self.pool), floor)
        return OpenData(generated_at=datetime.now(UTC),
                        suppression=f"counts under {floor} are null; groups with every count "
                                    "hidden are left out; no totals",
                        rows=[OpenDataRow(**r) for r in rows])

    async def dead_records(self, include_replayed: bool, limit: int,
                           before: int | None) -> DeadRecordPage:
        rows = await repo.dead_records(self.pool, include_replayed, limit, before)
        items = [DeadRecord.of(r) for r in rows]
        return DeadRecordPage(items=items,
                              next_before=items[-1].id if len(items) == limit else None)

    async def replay(self, dead_letter_id: int, by: str) -> DeadRecord:
        return await self.replayer.replay(dead_letter_id, by)

    async def replay_all(self, by: str, limit: int) -> Replayed:
        done = await self.replayer.replay_all(by, limit)
        return Replayed(replayed=len(done), ids=done)
