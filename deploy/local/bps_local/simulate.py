"""`make simulate N=500`: drive N placement journeys against a running `make run` system.

Hosts publish opportunities with room for everyone; applicants of all three kinds (civil
servants, industry professionals, FCDO diplomats) apply; approvers of every stage act on
their own, granting most stages and refusing a few; hosts accept, start and end placements
with feedback; a few applicants withdraw. Everything goes through the services' public HTTP
APIs with dev tokens, exactly as people would. Watch it live on the HR monitor
(http://127.0.0.1:8106/hr/monitor, signed in as central HR) while it runs.

The run ends when every accepted application is terminal (ended, withdrawn or rejected); the
exit status is 0 when none got stuck. The journeys are the end-to-end tests' driver
(tests/e2e/driver.py), so run it from the checkout: `uv run python -m bps_local.simulate`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace

SERVICES = ("applicant", "matching", "approval", "notification", "monitor")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--journeys", type=int, default=100,
                        help="applications to drive to the end (default 100)")
    parser.add_argument("--concurrency", type=int, default=32,
                        help="journeys in flight at once (default 32)")
    parser.add_argument("--base-port", type=int, default=8101,
                        help="applicant's port; the others follow in the order of "
                             "bps_local.run (default 8101..8105)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--refuse-percent", type=int, default=8,
                        help="share of approval stages refused or declined (default 8)")
    parser.add_argument("--withdraw-percent", type=int, default=3,
                        help="share of applicants who withdraw during approval (default 3)")
    parser.add_argument("--journey-timeout", type=float, default=600.0,
                        help="seconds one application may take before it counts as stuck")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if args.journeys < 1 or args.concurrency < 1:
        parser.error("--journeys and --concurrency must be at least 1")
    if not (0 <= args.refuse_percent <= 100 and 0 <= args.withdraw_percent <= 100):
        parser.error("percentages are 0..100")
    return args


def urls(args: argparse.Namespace) -> dict[str, str]:
    return {name: f"http://{args.host}:{args.base_port + i}" for i, name in enumerate(SERVICES)}


async def simulate(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tests.e2e.driver import Plan, Stats, drive

    plan = replace(Plan(), journeys=args.journeys, concurrency=args.concurrency,
                   refuse_percent=args.refuse_percent, withdraw_percent=args.withdraw_percent,
                   journey_timeout=args.journey_timeout)
    console = Console(stderr=True)
    columns = (TextColumn("[bold]journeys"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("journeys", total=plan.journeys, detail="seeding")

        def on_progress(stats: Stats) -> None:
            ends = stats.summary()["terminal"]
            detail = " ".join(f"{k} {v}" for k, v in sorted(ends.items()))
            progress.update(bar, completed=stats.done, detail=detail)

        try:
            stats = await drive(urls(args), plan, on_progress)
        except Exception as exc:  # noqa: BLE001 - an operator wants the reason, not a trace
            console.print(f"[red]simulation stopped: {exc}[/red]\n"
                          f"Is `make run` up? Services expected at {urls(args)['applicant']}..")
            return 1
    summary = stats.summary()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        console.print(f"{summary['accepted']} applications in {summary['seconds']}s: "
                      f"{summary['terminal']}; stuck {summary['stuck']}; "
                      f"{sum(summary['decisions'].values())} approval decisions; "
                      f"{summary['retried_calls']} calls retried")
    return 0 if not stats.stuck else 2


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(simulate(args))


if __name__ == "__main__":
    sys.exit(main())
