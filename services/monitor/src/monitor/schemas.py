"""Response models of every monitor route (what the HR page and the CLI read)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from contracts import redact
from monitor.domain import Step


class Meta(BaseModel):
    event_types: list[str]
    schemes: list[str]
    sectors: list[str]
    regions: list[str]


# The domain's Step as the API shows it: one definition of a step's fields, validated and
# documented (as TimelineStep) by pydantic.
@pydantic_dataclass(frozen=True)
class TimelineStep(Step):
    pass


class Timeline(BaseModel):
    application_id: str
    scheme: str | None
    total_seconds: float
    steps: list[TimelineStep]


class Waits(BaseModel):
    count: int
    median: float | None
    p90: float | None


class SlaBreach(BaseModel):
    application_id: str
    case_id: str | None
    stage: str | None
    due_at: str
    overdue_seconds: float


class FillCell(BaseModel):
    places: int
    confirmed: int
    fill_rate: float | None


class FillRates(BaseModel):
    by_sector: dict[str, FillCell]
    by_region: dict[str, FillCell]


class Ratings(BaseModel):
    count: int
    mean: float | None
    distribution: dict[str, int]


class Outcomes(BaseModel):
    ended: int
    by_outcome: dict[str, int]
    host_rating: Ratings
    placee_rating: Ratings


class Kpis(BaseModel):
    applications: int
    by_status: dict[str, int]
    by_scheme: dict[str, int]
    by_sector: dict[str, int]
    by_region: dict[str, int]
    time_to_confirmed_seconds: Waits
    open_sla_breaches: list[SlaBreach]
    fill_rate: FillRates
    outcomes: Outcomes


class OpenDataRow(BaseModel):
    sector: str
    region: str
    scheme: str
    applications: int | None = Field(description="null: fewer than the suppression floor")
    placements_confirmed: int | None
    placements_completed: int | None


class OpenData(BaseModel):
    generated_at: datetime
    suppression: str
    rows: list[OpenDataRow]


class Failure(BaseModel):
    """One consumer's failure on the record: what its dead letter says."""

    dead_letter_id: int
    consumer: str | None
    reason: str | None
    error: str | None
    attempts: int | None
    failed_at: datetime | None
    received_at: datetime
    replayed_at: datetime | None
    replayed_by: str | None


class DeadRecord(BaseModel):
    """One record that could not be handled, however many consumers failed on it. Its `id` is
    its first dead letter's; replaying it publishes the record once, for all of them."""

    id: int
    original_topic: str | None
    original_partition: int | None
    original_offset: int | None
    consumers: list[str] = Field(description="every consumer that dead-lettered it")
    failures: list[Failure]
    replayed_at: datetime | None = Field(description="set once every failure was replayed")
    replayed_by: str | None
    erased_at: datetime | None
    value: Any = Field(description="the record, PII redacted; '<erased>' or a size if not JSON")

    @classmethod
    def of(cls, row: asyncpg.Record) -> DeadRecord:
        """From a row of repository.RECORDS_SQL."""
        failures = row["failures"]
        return cls(
            id=row["id"], original_topic=row["original_topic"],
            original_partition=row["original_partition"],
            original_offset=row["original_offset"],
            consumers=list(dict.fromkeys(f["consumer"] for f in failures if f["consumer"])),
            failures=failures, replayed_at=row["replayed_at"], replayed_by=row["replayed_by"],
            erased_at=row["erased_at"], value=_preview(row))


def _preview(row: asyncpg.Record) -> Any:
    if row["erased_at"]:
        return "<erased>"
    try:
        return redact(json.loads(row["value"]))
    except (ValueError, TypeError):
        # Unparseable bytes may hold anything, personal data included: show only their size.
        return f"<{len(row['value'])} bytes, not JSON>"


class DeadRecordPage(BaseModel):
    items: list[DeadRecord]
    next_before: int | None = Field(description="pass as `before` for the next page")


class Replayed(BaseModel):
    replayed: int
    ids: list[int]
