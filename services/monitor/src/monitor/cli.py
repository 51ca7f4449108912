"""Operators' CLI: follow the HR stream in a terminal.

    placements tail --type MatchProposed --scheme industry
    python -m monitor.cli tail --url http://127.0.0.1:8105 --token "$TOKEN"

Without --token it uses $BPS_TOKEN, else mints a local dev HR token (dev key only).
It reconnects on its own and resumes from the last event seen (Last-Event-ID).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
from rich.console import Console
from rich.text import Text

STYLE = {"Application": "cyan", "Match": "magenta", "NoMatch": "yellow", "Approval": "blue",
         "Placement": "green", "Notification": "bright_black", "Opportunity": "white"}
ALERT = ("Refused", "Rejected", "Escalated", "Failed", "NoMatch", "Withdrawn")


def style_of(event_type: str) -> str:
    if any(word in event_type for word in ALERT):
        return "bold red"
    return next((s for prefix, s in STYLE.items() if event_type.startswith(prefix)), "white")


def render(item: dict[str, Any]) -> Text:
    """One readable line: time, seq, type, scheme/sector/region, actor, what happened."""
    when = datetime.fromisoformat(item["occurred_at"]).strftime("%Y-%m-%d %H:%M:%S")
    where = " / ".join(v for v in (item.get("scheme"), item.get("sector"), item.get("region"))
                       if v)
    line = Text()
    line.append(f"{when} ", style="dim")
    line.append(f"#{item['seq']:<6} ", style="dim")
    line.append(f"{item['event_type']:<26}", style=style_of(item["event_type"]))
    line.append(f" {where:<44}" if where else " " * 45, style="italic")
    line.append(f" {item.get('actor') or '':<20} ", style="bold")
    line.append(item.get("summary") or "")
    app = item.get("application_id")
    if app:
        line.append(f"  app={app[:8]}", style="dim")
    return line


async def frames(response: httpx.Response) -> AsyncIterator[tuple[str | None, str]]:
    """(id, data) of each SSE message on an open response."""
    event_id, data = None, []
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield event_id, "\n".join(data)
            event_id, data = None, []
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


async def tail(args: argparse.Namespace, console: Console) -> int:
    params = {k: v for k, v in (("type", args.type), ("scheme", args.scheme),
                                ("sector", args.sector), ("region", args.region),
                                ("correlation_id", args.correlation_id),
                                ("backlog", args.backlog)) if v is not None}
    headers = {"Authorization": f"Bearer {token(args)}", "Accept": "text/event-stream"}
    last_id, shown = args.last_event_id, 0
    async with httpx.AsyncClient(base_url=args.url, timeout=httpx.Timeout(10, read=None)) as c:
        while True:
            if last_id is not None:
                headers["Last-Event-ID"] = str(last_id)
            try:
                async with c.stream("GET", "/stream", params=params, headers=headers) as resp:
                    if resp.status_code != 200:
                        detail = json.loads(await resp.aread()).get("detail")
                        console.print(f"[red]{resp.status_code}: {detail}[/red]")
                        return 2
                    async for event_id, data in frames(resp):
                        console.print(render(json.loads(data)), soft_wrap=True)
                        last_id, shown = event_id, shown + 1
                        if args.max_events and shown >= args.max_events:
                            return 0
            except httpx.TransportError as exc:
                console.print(f"[yellow]stream lost ({exc!r}); reconnecting…[/yellow]")
            await asyncio.sleep(1.0)


def token(args: argparse.Namespace) -> str:
    if args.token or os.environ.get("BPS_TOKEN"):
        return args.token or os.environ["BPS_TOKEN"]
    from shared.auth import mint_dev_token
    from shared.settings import DEV_JWT_SECRET

    return mint_dev_token("cli-operator", ["hr"],
                          secret=os.environ.get("BPS_JWT_DEV_SECRET", DEV_JWT_SECRET))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="placements", description="HR monitor from a terminal.")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tail", help="follow the live event stream")
    t.add_argument("--type", help="event type(s), comma-separated")
    t.add_argument("--scheme", choices=["industry", "government", "diplomatic"])
    t.add_argument("--sector")
    t.add_argument("--region", help="ITL1 region name, or 'Outside UK'")
    t.add_argument("--correlation-id")
    t.add_argument("--backlog", type=int, help="recent events to show first (default 50)")
    t.add_argument("--last-event-id", type=int, help="resume after this event id")
    t.add_argument("--max-events", type=int, help="exit after this many events")
    t.add_argument("--url", default=os.environ.get("MONITOR_URL", "http://127.0.0.1:8105"))
    t.add_argument("--token", help="HR bearer token (default $BPS_TOKEN, else a dev token)")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    console = Console(highlight=False)
    try:
        sys.exit(asyncio.run(tail(args, console)))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
