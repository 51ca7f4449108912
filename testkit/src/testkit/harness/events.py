"""Plain aiokafka helpers for tests: publish events and read topics without a service's code."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from shared.outbox import envelope_headers

from contracts import Event, parse_event


async def publish(bootstrap: str, prefix: str, *events: Event) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for e in events:
            headers = [(k, v.encode()) for k, v in envelope_headers(e).items()]
            await producer.send_and_wait(prefix + e.TOPIC, e.to_bytes(), key=e.key().encode(),
                                         headers=headers)
    finally:
        await producer.stop()


async def publish_raw(bootstrap: str, topic: str, value: bytes, key: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


class TopicReader:
    """Reads a topic from the beginning with its own group; `wait_for` polls until a match."""

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self.consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap,
                                         group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
                                         auto_offset_reset="earliest", enable_auto_commit=False)
        self.records: list = []

    async def __aenter__(self) -> TopicReader:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def wait_for(self, predicate: Callable[[list], bool], timeout: float = 20.0) -> list:
        """Poll until predicate(records) holds; returns all records read so far."""
        deadline = time.monotonic() + timeout
        while not predicate(self.records):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s; "
                                   f"read {len(self.records)} records")
            batch = await self.consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000))
            for records in batch.values():
                self.records.extend(records)
        return self.records

    def events(self) -> list[Event]:
        out = []
        for r in self.records:
            try:
                out.append(parse_event(r.value))
            except Exception:  # noqa: BLE001 - poison messages are expected in some tests
                continue
        return out

    async def wait_for_event(self, event_type: str, timeout: float = 20.0,
                             where: Callable[[Event], bool] = lambda e: True) -> Event:
        def found(_: list) -> bool:
            return any(e.event_type == event_type and where(e) for e in self.events())

        await self.wait_for(found, timeout)
        return next(e for e in self.events() if e.event_type == event_type and where(e))


async def eventually(check: Callable[[], object], timeout: float = 20.0,
                     interval: float = 0.1) -> object:
    """Wait-for-condition: await/call check until it returns truthy, else TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)
