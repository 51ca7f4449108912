"""`make infra`/`make run` may reuse a broker or database it did not start (tests and other
checkouts share them), but says so plainly: what it found and how to get its own.

A folder of this test's own stands for "this checkout": the running broker and database were
not started from it, exactly as another checkout's would not have been."""

from urllib.parse import urlparse

import pytest
from bps_local import kafka, postgres
from shared.testing.postgres import pg_dsn_base


def test_a_broker_this_checkout_did_not_start_is_reused_with_a_plain_note(
        kafka_bootstrap, tmp_path, capsys):
    host, _, port = kafka_bootstrap.split(",")[0].rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        pytest.skip("the test broker is not on this machine's loopback")
    assert kafka.ensure_single(int(port), tmp_path / "kafka") == f"127.0.0.1:{port}"
    said = capsys.readouterr().err
    assert f"port {port} already has a Kafka broker that this checkout did not start" in said
    assert "cluster id" in said and "using it as is" in said
    assert "make stop" in said and "BPS_KAFKA_PORT=<port>" in said
    assert kafka.node_pid(kafka.single_node(int(port), tmp_path / "kafka")) is None


def test_a_database_this_checkout_did_not_start_is_reused_with_a_plain_note(tmp_path, capsys):
    dsn = urlparse(pg_dsn_base())
    if dsn.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("the test database is not on this machine's loopback")
    cluster = postgres.private_cluster(dsn.port, tmp_path / "pg")
    postgres.start(cluster)
    said = capsys.readouterr().err
    assert f"port {dsn.port} already has a database server that this checkout did not start" \
        in said
    assert "synchronous_commit=" in said and "fsync=" in said and "using it as is" in said
    assert "make stop" in said and "BPS_PG_PORT=<port>" in said
    assert not (tmp_path / "pg").exists(), "it must not have made a cluster of its own"
