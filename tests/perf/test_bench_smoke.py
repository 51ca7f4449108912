"""`make bench` stays runnable: a quick run of the floors, the hop and the relay writes results
with a positive figure for each (the full run is `make bench`, not part of `make test`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from testkit.harness.kafka import kafka_bootstrap_servers

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ("floor.raw_produce", "floor.raw_consume", "floor.consume_produce_loop",
            "floor.pg_insert_tx", "lean.hop", "lean.hop_latency.p50", "plumbing.service_hop",
            "plumbing.outbox_relay")


def test_a_quick_bench_run_writes_a_positive_figure_for_the_floors_lean_hop_hop_and_relay(
        tmp_path):
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers()}
    done = subprocess.run([sys.executable, "-m", "tests.perf.run", "--quick", "--out",
                           str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)  # the lean hop added ~15 s
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads((tmp_path / "results.json").read_text())
    values = {m["name"]: m["value"] for m in results["metrics"]}
    assert {name: values.get(name, 0) > 0 for name in EXPECTED} == dict.fromkeys(EXPECTED, True)
    assert results["errors"] == {}
    hop = next(m for m in results["metrics"] if m["name"] == "plumbing.service_hop")
    assert hop["ratio"] > 0 and hop["baseline"] == "lean.hop"
    assert hop["detail"]["ratio_to_floor.consume_produce_loop"] > 0
    table = (tmp_path / "results.md").read_text()
    assert all(f"| {name} |" in table for name in EXPECTED)
    assert (tmp_path / "throughput.png").stat().st_size > 0
