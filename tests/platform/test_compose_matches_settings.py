"""docker-compose.yml must name only services and variables the code really reads."""

import importlib
import inspect
from pathlib import Path

import pytest
import yaml
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["applicant", "matching", "approval", "notification", "monitor"]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.config")
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, ServiceSettings) and c is not ServiceSettings]
    assert found, f"{service}.config defines no ServiceSettings subclass"
    return found[0]


def test_compose_runs_every_service_with_kafka_and_postgres():
    names = set(compose()["services"])
    assert {"kafka", "postgres", *SERVICES} <= names


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_compose_sets_is_a_setting_of_that_service(service):
    cls = settings_class(service)
    prefix = cls.model_config.get("env_prefix", "")
    assert prefix == service.upper() + "_"
    env = compose()["services"][service]["environment"]
    for variable in env:
        if variable == "BPS_ENV":  # the one deployment-wide setting (ServiceSettings.environment)
            assert env[variable] in ("local", "test", "production")
            continue
        assert variable.startswith(prefix), f"{variable} lacks the {prefix} prefix"
        field = variable[len(prefix):].lower()
        assert field in cls.model_fields, f"{service} settings have no field for {variable}"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_builds_each_service_from_the_repo(service):
    spec = compose()["services"][service]
    assert spec["build"]["args"]["SERVICE"] == service
    assert (ROOT / "services" / service / "pyproject.toml").exists()
    assert "healthcheck" in spec
