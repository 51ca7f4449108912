"""The README's performance figures, rewritten by a full `make bench` run: every path as a ratio
to its lean baseline, the raw floors as information, the email's per-hop breakdown.

Only the text between the two markers below is replaced; the prose around it is written by
hand. A partial run (--only, --quick) leaves the README alone: its figures would mix runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.perf.core import Metric
from tests.perf.report import _fmt

START, END = "<!-- bench-results:start -->", "<!-- bench-results:end -->"
BREAKDOWN = "journeys.email_breakdown_at_10pct."
FLOORS = ("floor.raw_produce", "floor.raw_consume", "floor.consume_produce_loop",
          "floor.consume_produce_per_message", "floor.pg_insert_tx", "http.bare_endpoint")


def block(run: dict, metrics: dict[str, Metric]) -> str:
    lines = [f"Latest full run: {run.get('started')}, {run.get('cores')} cores, commit "
             f"{run.get('commit')} (the machine may have been shared: compare ratios, which "
             "are measured in the same run, rather than raw figures across runs).", "",
             "| path | value | baseline (same run) | ratio | target | met |",
             "|---|---:|---|---:|---|---|"]
    for m in metrics.values():
        judged = m.target is not None or (m.baseline or "").startswith("lean.")
        if not judged or m.name.startswith(BREAKDOWN):
            continue
        base = metrics.get(m.baseline) if m.baseline else None
        shown = f"{m.baseline} = {_fmt(base.value)} {base.unit}" if base else ""
        met = {True: "yes", False: "**no**", None: ""}[m.passed]
        lines.append(f"| {m.name} | {_fmt(m.value)} {m.unit} | {shown} | {_fmt(m.ratio)} | "
                     f"{m.target or ''} | {met} |")
    floors = [metrics[n] for n in FLOORS if n in metrics]
    if floors:
        lines += ["", "Raw floors (information): " + "; ".join(
            f"{m.name} {_fmt(m.value)} {m.unit}" for m in floors) + "."]
    parts = [m for name, m in metrics.items() if name.startswith(BREAKDOWN)]
    if parts:
        lines += ["", "Confirmation email at 10% of saturation, hop by hop "
                  "(`tests/perf/breakdown.py`: events' `occurred_at` and Kafka timestamps):", "",
                  "| segment | p50 ms | p90 ms | p99 ms |", "|---|---:|---:|---:|"]
        lines += [f"| {m.name.removeprefix(BREAKDOWN)} | {_fmt(m.value)} | "
                  f"{_fmt(m.detail['p90_ms'])} | {_fmt(m.detail['p99_ms'])} |" for m in parts]
    return "\n".join(lines)


def update(readme: Path, run: dict, metrics: dict[str, Metric]) -> bool:
    """Replace the marked block; False when the README has no markers."""
    text = readme.read_text()
    if START not in text or END not in text:
        return False
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    readme.write_text(pattern.sub(lambda _m: f"{START}\n{block(run, metrics)}\n{END}", text))
    return True
