"""The per-hop breakdown and the README block a full bench run writes (pure, < 1 s)."""

from tests.perf import readme
from tests.perf.breakdown import Seen, breakdown_metrics, lean_journey, segments
from tests.perf.core import Metric, Target
from tests.perf.report import judge


def journey(accepted: float) -> tuple[float, float, list[Seen]]:
    events = [Seen("ApplicationSubmitted", None, accepted - 0.002, accepted + 0.010),
              Seen("MatchProposed", None, accepted + 0.050, accepted + 0.070),
              Seen("ApprovalStageOpened", "line_manager", accepted + 0.100, accepted + 0.120)]
    return accepted, accepted + 0.300, events


def test_a_journey_splits_into_consume_and_relay_segments_from_the_201_to_the_email():
    accepted, emailed, events = journey(1000.0)

    got = [(label, round(seconds * 1000)) for label, seconds in segments(accepted, emailed,
                                                                        events)]

    assert got == [("01b ApplicationSubmitted relayed", 10),
                   ("02a ApplicationSubmitted -> MatchProposed", 40),
                   ("02b MatchProposed relayed", 20),
                   ("03a MatchProposed -> ApprovalStageOpened(line_manager)", 30),
                   ("03b ApprovalStageOpened(line_manager) relayed", 20),
                   ("04a ApprovalStageOpened(line_manager) -> email received", 180)]


def test_events_one_transaction_made_are_one_step_and_the_steps_add_up_to_the_whole():
    accepted = 1000.0
    granted = Seen("ApprovalGranted", "host_acceptance", accepted + 0.100, accepted + 0.150)
    confirmed = Seen("PlacementConfirmed", None, accepted + 0.101, accepted + 0.160)
    opened = Seen("ApprovalStageOpened", "host_acceptance", accepted - 0.005, accepted + 0.030)

    got = segments(accepted, accepted + 0.200, [confirmed, granted, opened])

    assert [(label, round(seconds * 1000)) for label, seconds in got] == [
        ("01b ApprovalStageOpened(host_acceptance) relayed", 30),
        ("02a ApprovalStageOpened(host_acceptance) -> ApprovalGranted(host_acceptance)"
         " + PlacementConfirmed", 70),
        ("02b ApprovalGranted(host_acceptance) + PlacementConfirmed relayed", 60),
        ("03a ApprovalGranted(host_acceptance) + PlacementConfirmed -> email received", 40)]
    assert round(sum(seconds for _, seconds in got), 6) == 0.2


def test_the_lean_journey_counts_one_lean_hop_per_chain_event_and_one_for_the_email():
    parts = breakdown_metrics("b", [journey(1000.0), journey(2000.0)])

    lean = lean_journey(parts, 5.0)

    assert [(m.name, m.value, m.detail["hops"]) for m in lean] == [
        ("lean.journey_email", 20.0, 4)]
    assert {m.name: m.detail["samples"] for m in parts}["b.02b MatchProposed relayed"] == 2


def test_a_full_run_replaces_only_the_marked_block_of_the_readme(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(f"intro\n{readme.START}\nold figures\n{readme.END}\nafter\n")
    metrics = {"lean.hop": Metric("lean.hop", 1000.0, "events/s"),
               "plumbing.service_hop": Metric("plumbing.service_hop", 800.0, "events/s",
                                              baseline="lean.hop",
                                              target=Target(">=", 0.7, "ratio"))}
    judge(metrics)

    assert readme.update(path, {"started": "now", "cores": 2, "commit": "abc"}, metrics)

    text = path.read_text()
    assert text.startswith("intro\n") and text.endswith("after\n")
    assert "old figures" not in text
    assert "| plumbing.service_hop | 800 events/s | lean.hop = 1,000 events/s | 0.8 |" in text


def test_a_readme_without_the_markers_is_left_alone(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("no markers\n")

    assert not readme.update(path, {}, {})
    assert path.read_text() == "no markers\n"
