"""docker-compose.yml: valid Compose (the vendored Compose Specification schema, see
compose-spec/README.md), and the same system `make run` starts: Kafka's version and broker
settings, PostgreSQL's durability settings, each service's settings (every variable a real
setting of that service), the image's own entrypoint rather than uv, health-gated start order,
restart policies and named volumes. No Docker engine is needed to check any of it."""

from __future__ import annotations

import copy
import functools
import importlib
import json
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml
from contracts.topics import SERVICES
from jsonschema import Draft7Validator
from shared.settings import TopicSettings

from tests.deploy.test_chart import env_names_of, settings_class

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).parent / "compose-spec" / "compose-spec.json"
# Broker keys that say where a node listens and stores, which differ by nature between a
# process on the host and a container.
PLACEMENT_KEYS = {"process.roles", "node.id", "controller.quorum.voters",
                  "controller.quorum.bootstrap.servers", "listeners", "advertised.listeners",
                  "controller.listener.names", "inter.broker.listener.name",
                  "listener.security.protocol.map", "log.dirs"}


@functools.cache
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def test_the_file_is_valid_against_the_compose_specification() -> None:
    validator = Draft7Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}"
              for e in validator.iter_errors(compose())]
    assert not errors, "\n".join(errors)
    # The schema does bite: a misspelt key is refused.
    broken = copy.deepcopy(compose())
    broken["services"]["applicant"]["restrat"] = "always"
    assert any("restrat" in e.message for e in validator.iter_errors(broken))


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_set_for_a_service_is_a_setting_it_reads_and_parses(
        service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = services()[service]
    assert spec["build"]["args"]["SERVICE"] == service
    cls = settings_class(importlib.import_module(f"{service}.config"))
    env = spec["environment"]
    unknown = set(env) - env_names_of(cls)
    assert not unknown, f"{service}: not settings of {cls.__name__}"
    for name in list(os.environ):
        if name.startswith(cls.model_config["env_prefix"]) or name == "BPS_ENV":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    settings = cls()
    assert settings.environment == "local"
    assert settings.kafka_bootstrap_servers == "kafka:9092"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_gets_the_settings_make_run_gives_it(service: str) -> None:
    from bps_local import run

    prefix = service.upper() + "_"
    made = run.service_env(service, 8101, run.parse_args([]), auth={})
    wanted = {k for k in made if k.startswith(prefix)} | {"BPS_ENV"}
    # Plus the one a container needs: listen beyond its own loopback.
    assert set(services()[service]["environment"]) == wanted | {prefix + "HTTP_HOST"}
    assert services()[service]["environment"]["BPS_ENV"] == made["BPS_ENV"] == "local"


def test_the_topic_bootstrap_job_uses_topic_settings_as_make_run_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    job = services()["topics"]
    assert set(job["environment"]) <= env_names_of(TopicSettings)
    for name in list(os.environ):
        if name.startswith("BPS_TOPIC_"):
            monkeypatch.delenv(name)
    make_run = TopicSettings()  # `make infra` runs the bootstrap with the defaults
    for name, value in job["environment"].items():
        monkeypatch.setenv(name, value)
    assert TopicSettings() == make_run
    assert job["command"][:3] == ["/venv/bin/python", "-m", "shared.kafka"]
    assert job["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_kafka_is_the_version_make_run_fetches_with_its_broker_settings() -> None:
    from bps_local.kafka_nodes import SINGLE_HEAP, server_properties, single_node

    pom = (ROOT / "deploy" / "local" / "pom.xml").read_text()
    version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)
    kafka = services()["kafka"]
    assert kafka["image"] == f"apache/kafka:{version}"
    node = single_node()
    make_run = dict(line.split("=", 1) for line in server_properties(node, "").splitlines()
                    if "=" in line and not line.startswith("#"))
    env = kafka["environment"]
    in_compose = {k.removeprefix("KAFKA_").lower().replace("_", "."): str(v)
                  for k, v in env.items() if k != "KAFKA_HEAP_OPTS"}
    wanted = {k: v for k, v in make_run.items() if k not in PLACEMENT_KEYS}
    assert {k: in_compose.get(k) for k in wanted} == wanted
    assert env["KAFKA_HEAP_OPTS"] == SINGLE_HEAP


def test_kafka_has_a_listener_the_published_host_port_reaches() -> None:
    kafka = services()["kafka"]
    env = kafka["environment"]
    (published,) = kafka["ports"]
    host_ip, host_port, container_port = published.split(":")
    assert host_ip == "127.0.0.1"
    advertised = dict(reversed(x.split("://")) for x in
                      env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    listeners = dict(reversed(x.split("://")) for x in env["KAFKA_LISTENERS"].split(","))
    # A host client is told to come back to the address it can reach: the published port.
    assert f"127.0.0.1:{host_port}" in advertised
    name = advertised[f"127.0.0.1:{host_port}"]
    assert listeners[f":{container_port}"] == name
    assert f"{name}:PLAINTEXT" in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    assert advertised["kafka:9092"] == env["KAFKA_INTER_BROKER_LISTENER_NAME"]


def test_postgres_runs_with_make_runs_durability_settings() -> None:
    from bps_local.postgres import SERVER_SETTINGS

    command = services()["postgres"]["command"]
    assert command[0] == "postgres"
    assert " ".join(command[1:]) == SERVER_SETTINGS
    assert "synchronous_commit=on" in shlex.split(SERVER_SETTINGS)


def test_services_run_the_images_entrypoint_never_uv() -> None:
    for name, spec in services().items():
        if "build" not in spec:
            continue
        command = spec.get("command")
        if name in SERVICES:
            assert command is None, f"{name} must run the image's CMD (/venv/bin/bps-service)"
        else:
            assert command[0].startswith("/venv/bin/"), name
        assert "uv" not in json.dumps(spec.get("healthcheck", {})).split('"'), name


def test_start_order_waits_for_health_and_every_server_restarts() -> None:
    for name in SERVICES:
        needs = services()[name]["depends_on"]
        assert needs["kafka"]["condition"] == needs["postgres"]["condition"] == \
            "service_healthy", name
        assert needs["topics"]["condition"] == "service_completed_successfully", name
        assert "healthcheck" in services()[name], name
    notification = services()["notification"]["depends_on"]
    assert notification["smtp"]["condition"] == notification["applicant"]["condition"] == \
        "service_healthy"
    for name, spec in services().items():
        wanted = "on-failure" if name == "topics" else "unless-stopped"
        assert spec["restart"] == wanted, name


def test_kafka_and_postgres_keep_their_data_in_named_volumes() -> None:
    volumes = compose()["volumes"]
    mounts = {name: [v.split(":")[0] for v in services()[name]["volumes"]]
              for name in ("kafka", "postgres")}
    assert "kafka-data" in mounts["kafka"] and "kafka-data" in volumes
    assert "pg-data" in mounts["postgres"] and "pg-data" in volumes
    assert services()["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
