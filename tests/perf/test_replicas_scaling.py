"""The replicas bench's summary: events/s per replica count as ratios to one replica, with the
machine's core count and what it caps (pure, no broker)."""

from tests.perf.core import Metric
from tests.perf.replicas import scaling
from tests.perf.report import judge


def test_each_replica_count_is_a_ratio_to_one_replica_and_the_note_names_the_cores():
    summary = scaling({3: 240.0, 1: 100.0, 2: 180.0}, cores=2)

    assert summary["events_per_s"] == {"k1": 100.0, "k2": 180.0, "k3": 240.0}
    assert summary["ratio_to_k1"] == {"k1": 1.0, "k2": 1.8, "k3": 2.4}
    assert summary["cores"] == 2
    assert summary["note"].startswith("2 cores:") and "2 cores cap" in summary["note"]


def test_without_a_one_replica_figure_there_is_no_ratio_rather_than_a_division_by_zero():
    assert scaling({1: 0.0, 2: 50.0}, cores=8)["ratio_to_k1"] == {"k1": None, "k2": None}


def test_the_report_judges_two_and_three_replicas_against_one():
    metrics = {name: Metric(name, value, "events/s", baseline=base)
               for name, value, base in (("replicas.hop_k1", 100.0, None),
                                         ("replicas.hop_k2", 150.0, "replicas.hop_k1"),
                                         ("replicas.hop_k3", 210.0, "replicas.hop_k1"))}
    judge(metrics)
    assert [m.ratio for m in metrics.values()] == [None, 1.5, 2.1]
