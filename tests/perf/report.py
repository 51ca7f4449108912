"""Results out: bench-results/results.json, results.md (the table) and PNG charts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on a server
import matplotlib.pyplot as plt  # noqa: E402

from tests.perf.core import Metric  # noqa: E402

CHARTS = {"throughput": lambda m: m.unit.endswith("/s"), "latency": lambda m: m.unit == "ms",
          "memory": lambda m: m.unit == "MB", "matching": lambda m: m.unit == "s"}


def judge(metrics: dict[str, Metric]) -> None:
    """Fill ratio (value / baseline's value) and pass/fail against the target."""
    for m in metrics.values():
        base = metrics.get(m.baseline) if m.baseline else None
        if base is not None and base.value and not math.isnan(base.value):
            m.ratio = m.value / base.value
        if m.target is not None and not math.isnan(m.value):
            m.passed = m.target.check(m.value, m.ratio)


def write_all(out: Path, run: dict[str, Any], metrics: dict[str, Metric],
              pending: dict[str, str], errors: dict[str, str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    judge(metrics)
    doc = {"run": run, "metrics": [m.to_dict() for m in metrics.values()],
           "pending": pending, "errors": errors}
    (out / "results.json").write_text(json.dumps(doc, indent=2, default=str) + "\n")
    (out / "results.md").write_text(markdown(run, metrics, pending, errors))
    return [out / "results.json", out / "results.md", *charts(out, metrics)]


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    if math.isnan(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def markdown(run: dict, metrics: dict[str, Metric], pending: dict[str, str],
             errors: dict[str, str]) -> str:
    lines = [f"# Benchmarks ({'quick smoke run' if run.get('quick') else 'full run'})", "",
             f"Run {run.get('started')} on {run.get('cores')} cores, broker "
             f"{run.get('bootstrap')}, commit {run.get('commit')}.", "",
             "| name | value | unit | baseline | ratio | target | pass |",
             "|---|---:|---|---|---:|---|---|"]
    for m in metrics.values():
        verdict = {True: "yes", False: "**no**", None: ""}[m.passed]
        lines.append(f"| {m.name} | {_fmt(m.value)} | {m.unit} | {m.baseline or ''} | "
                     f"{_fmt(m.ratio)} | {m.target or ''} | {verdict} |")
    if pending:
        lines += ["", "## Not measured yet (slots)", ""]
        lines += [f"- `{name}`: {why}" for name, why in pending.items()]
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- `{name}`: {why}" for name, why in errors.items()]
    return "\n".join(lines) + "\n"


def charts(out: Path, metrics: dict[str, Metric]) -> list[Path]:
    written = []
    for name, wanted in CHARTS.items():
        chosen = [m for m in metrics.values() if wanted(m) and not math.isnan(m.value)]
        if chosen:
            written.append(_bars(out / f"{name}.png", name, chosen))
    ratios = [m for m in metrics.values() if m.ratio is not None]
    if ratios:
        written.append(_ratio_chart(out / "ratios.png", ratios))
    return written


def _bars(path: Path, title: str, metrics: list[Metric]) -> Path:
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(metrics) + 1.5))
    labels = [f"{m.name} ({m.unit})" for m in metrics]
    colours = ["tab:red" if m.passed is False else "tab:blue" for m in metrics]
    bars = ax.barh(labels, [m.value for m in metrics], color=colours)
    ax.bar_label(bars, labels=[_fmt(m.value) for m in metrics], padding=3)
    values = [m.value for m in metrics if m.value > 0]
    if values and max(values) / min(values) > 100:
        ax.set_xscale("log")  # floors and hops differ by orders of magnitude
        title += " (log scale)"
    ax.invert_yaxis()
    ax.set_title(title)
    ax.margins(x=0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _ratio_chart(path: Path, metrics: list[Metric]) -> Path:
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(metrics) + 1.5))
    labels = [f"{m.name} / {m.baseline}" for m in metrics]
    colours = ["tab:red" if m.passed is False else "tab:green" for m in metrics]
    bars = ax.barh(labels, [m.ratio for m in metrics], color=colours)
    ax.bar_label(bars, labels=[f"{m.ratio:.2f}" for m in metrics], padding=3)
    for m in metrics:
        if m.target is not None and m.target.on == "ratio":
            ax.axvline(m.target.threshold, color="grey", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_title("ratio to baseline (dashed: target)")
    ax.margins(x=0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
