"""How tests pick their broker (docs/architecture.md §6): the environment, then Docker, then
the local one."""

from __future__ import annotations

import socket
import time

import pytest
from shared.testing import kafka as choice


def test_kafka_bootstrap_servers_prefers_the_address_given_in_the_environment(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker.example:9092")
    choice.kafka_bootstrap_servers.cache_clear()
    try:
        assert choice.kafka_bootstrap_servers() == "broker.example:9092"
    finally:
        choice.kafka_bootstrap_servers.cache_clear()


def test_a_docker_engine_that_is_absent_or_silent_is_given_up_on_within_a_second(monkeypatch,
                                                                                 tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    assert choice.docker_answers() is False

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{closed.getsockname()[1]}")
        assert choice.docker_answers() is False

    silent = socket.socket(socket.AF_UNIX)
    silent.bind(str(tmp_path / "silent.sock"))
    silent.listen()  # accepts connections, never answers
    try:
        monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/silent.sock")
        started = time.monotonic()
        assert choice.docker_answers(timeout=0.5) is False
        assert time.monotonic() - started < 2
    finally:
        silent.close()


def test_without_docker_the_local_broker_is_used_and_answers(kafka_bootstrap, kafka_cli):
    if choice.docker_answers() or choice.os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        pytest.skip("a broker from the environment or Docker was chosen, as it should be")
    assert kafka_bootstrap == kafka_cli.single_node().bootstrap
    assert kafka_cli.serving(kafka_bootstrap)
