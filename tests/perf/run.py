"""`make bench`: every benchmark in one run on one broker and one database server.

    uv run python -m tests.perf.run                 # full run -> bench-results/
    uv run python -m tests.perf.run --quick         # seconds; the smoke test runs this
    uv run python -m tests.perf.run --only floor --only plumbing.service_hop
    uv run python -m tests.perf.run --only plumbing.service_hop --profile

Progress goes to stderr; the services' own logs go to <out>/bench.log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from testkit.harness.kafka import kafka_bootstrap_servers
from testkit.harness.postgres import pg_dsn_base

# importing registers the benches, in this order (floors first: later ratios need them)
from tests.perf import floors, lean_hop, plumbing  # noqa: F401 isort: skip
from tests.perf import intake, journeys, slots, web_pages  # noqa: F401 isort: skip
from tests.perf import matching_ranked  # noqa: F401 isort: skip
from tests.perf import replicas  # noqa: F401 isort: skip
from tests.perf import readme
from tests.perf.core import REGISTRY, Bench, Context, Pending, Sizes
from tests.perf.report import write_all

ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.perf.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes, smoke-test benches only (seconds, not minutes)")
    p.add_argument("--only", action="append", metavar="NAME", default=[],
                   help="run benches whose name starts with NAME (repeatable); see --list")
    p.add_argument("--list", action="store_true", help="list the benches and exit")
    p.add_argument("--out", type=Path, default=ROOT / "bench-results",
                   help="results folder (default: bench-results/, git-ignored)")
    p.add_argument("--profile", action="store_true",
                   help="profile the selected benches with pyinstrument (<out>/profile-*.html)")
    p.add_argument("--messages", type=int, help="override the message count of the floors/relay")
    p.add_argument("--hop-events", type=int, help="override the event count of the hop")
    return p.parse_args(argv)


def selected(args: argparse.Namespace) -> list[Bench]:
    benches = list(REGISTRY.values())
    if args.only:
        return [b for b in benches if any(b.name.startswith(n) for n in args.only)]
    return [b for b in benches if b.smoke] if args.quick else benches


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run_one(ctx: Context, b: Bench, profile: bool) -> tuple[str, str]:
    """Runs one bench into ctx.results; returns (status, note)."""
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="disabled", interval=0.001)
        profiler.start()
    started = time.perf_counter()
    try:
        metrics = await b.fn(ctx)
    except Pending as why:
        return "pending", str(why)
    except Exception as exc:  # noqa: BLE001 - report and go on with the other benches
        traceback.print_exc(file=sys.stderr)
        return "error", repr(exc)[:500]
    finally:
        if profiler is not None:
            profiler.stop()
            path = ctx.out_dir / f"profile-{b.name}.html"
            path.write_text(profiler.output_html())
            (ctx.out_dir / f"profile-{b.name}.txt").write_text(
                profiler.output_text(unicode=False, show_all=False))
            say(f"      profile: {path}")
    for m in metrics:
        ctx.results[m.name] = m
    shown = ", ".join(f"{m.name} {m.value:,.1f} {m.unit}" for m in metrics)
    return "ok", f"{shown} ({time.perf_counter() - started:.1f} s)"


async def main_async(args: argparse.Namespace) -> int:
    benches = selected(args)
    sizes = Sizes.quick_run() if args.quick else Sizes()
    sizes.messages = args.messages or sizes.messages
    sizes.hop_events = args.hop_events or sizes.hop_events
    args.out.mkdir(parents=True, exist_ok=True)
    say(f"bench: {len(benches)} benches, {'quick' if args.quick else 'full'} sizes -> {args.out}")
    bootstrap = await asyncio.to_thread(kafka_bootstrap_servers)
    await asyncio.to_thread(pg_dsn_base)
    ctx = Context(bootstrap=bootstrap, sizes=sizes, out_dir=args.out, profile=args.profile)
    run = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "quick": args.quick,
           "bootstrap": bootstrap, "cores": os.cpu_count(), "commit": _commit(),
           "sizes": vars(sizes), "benches": [b.name for b in benches]}
    pending, errors = {}, {}
    with open(args.out / "bench.log", "w") as log, contextlib.redirect_stdout(log):  # noqa: ASYNC230
        try:
            for i, b in enumerate(benches, 1):
                say(f"[{i}/{len(benches)}] {b.name}: {b.doc}")
                status, note = await run_one(ctx, b, args.profile)
                say(f"      {status}: {note}")
                {"pending": pending, "error": errors}.get(status, {})[b.name] = note
        finally:
            await ctx.cleanup()
    run["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    for path in write_all(args.out, run, ctx.results, pending, errors):
        say(f"wrote {path}")
    if not args.quick and not args.only and readme.update(ROOT / "README.md", run, ctx.results):
        say("wrote the performance figures into README.md")
    missed = [m.name for m in ctx.results.values() if m.passed is False]
    if missed:
        say(f"targets missed: {', '.join(missed)}")
    return 1 if errors else 0


def _commit() -> str:
    with contextlib.suppress(Exception):
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True).stdout.strip()
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for b in REGISTRY.values():
            print(f"{b.name:28} {'smoke ' if b.smoke else '      '}{b.doc}")
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
