"""A small HTTP/1.1 load generator, run as its own process so it never shares a core's event
loop with the server it measures.

    python -m tests.perf.loadgen job.json      # prints one JSON line with the result

job.json: {"host", "port", "concurrency", "requests": [{"method", "path", "headers", "body"}]}.
Every request is sent exactly once over `concurrency` keep-alive connections (closed loop).
Requests are pre-rendered bytes and responses are parsed only as far as the status line and
Content-Length, so the client costs far less per request than the server it drives (httpx
would cost about as much as the endpoint and hide the difference we want to see).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

import uvloop


def render(host: str, port: int, method: str, path: str, headers: dict[str, str],
           body: str) -> bytes:
    raw = body.encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}",
             "Content-Type: application/json", f"Content-Length: {len(raw)}",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise RuntimeError("chunked responses are not expected from these endpoints")
    if length:
        await reader.readexactly(length)
    return status


async def worker(host: str, port: int, queue: list[bytes], statuses: Counter,
                 latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while queue:
            request = queue.pop()
            started = time.perf_counter()
            writer.write(request)
            statuses[await read_response(reader)] += 1
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def run(job: dict) -> dict:
    host, port = job["host"], job["port"]
    queue = [render(host, port, r["method"], r["path"], r.get("headers", {}), r.get("body", ""))
             for r in job["requests"]]
    queue.reverse()  # pop() from the end keeps the given order
    statuses: Counter = Counter()
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(worker(host, port, queue, statuses, latencies)
                           for _ in range(job["concurrency"])))
    seconds = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "seconds": seconds,
            "statuses": {str(k): v for k, v in statuses.items()},
            "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else None}


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(uvloop.run(run(job))), flush=True)


if __name__ == "__main__":
    main()
