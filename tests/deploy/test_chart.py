"""The Helm chart (deploy/helm/bps): it lints and renders, every object is valid (Kubernetes
schemas offline; Strimzi, CloudNativePG and prometheus-operator objects against their vendored
CRDs), and what it renders agrees with the code: topics and ACLs with contracts and the ACL
plan, env names with the services' settings classes.

Helm is a Go module: `deploy/helm/install-helm.sh` puts it in .local/bin. Without it these
tests fail (naming that step) rather than skip, so a missing tool never passes for a green run.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from contracts import topics

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "bps"
INSTALL_STEP = "deploy/helm/install-helm.sh"
KUBERNETES_VERSION = "1.33.0"
DAY_MS = 24 * 3600 * 1000
# Gauges the alerts need that shared/metrics.py does not export yet (deploy/helm/README.md).
# The one alert metric a service (approval), not the plumbing, exports.
SERVICE_METRICS = {"bps_timers_overdue"}


@functools.cache
def chart_values() -> dict:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def find_helm(root: Path = ROOT, path: str | None = None) -> str:
    local = root / ".local" / "bin" / "helm"
    if local.is_file():
        return str(local)
    found = shutil.which("helm", path=path)
    if found:
        return found
    pytest.fail(f"helm is not installed: run `{INSTALL_STEP}` (Helm as a Go module into "
                ".local/bin; the Makefile's `helm` target calls it)", pytrace=False)


def helm(*args: str) -> str:
    done = subprocess.run([find_helm(), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"helm {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def render(*sets: str) -> list[dict]:
    out = helm("template", "bps", str(CHART), "--namespace", "bps",
               "--kube-version", KUBERNETES_VERSION, *sets)
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return render()


def is_core(obj: dict) -> bool:
    """Kubernetes' own API groups: the core group (`v1`), `apps`, ..., and `*.k8s.io`."""
    group = obj["apiVersion"].rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_a_missing_helm_fails_naming_the_install_step(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="install-helm.sh"):
        find_helm(tmp_path, path=str(tmp_path))


def test_helm_lint_passes_with_no_warnings() -> None:
    out = helm("lint", "--strict", "--kube-version", KUBERNETES_VERSION, str(CHART))
    assert "0 chart(s) failed" in out


def test_every_kubernetes_object_validates_against_the_kubernetes_schemas(objects) -> None:
    import kubernetes_validate

    core = [o for o in objects if is_core(o)]
    assert {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
            "NetworkPolicy", "ConfigMap", "Secret", "Job"} <= {o["kind"] for o in core}
    for obj in core:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_every_operator_object_validates_against_its_vendored_crd(objects) -> None:
    validators = crd_validators()
    custom = [o for o in objects if not is_core(o)]
    kinds = {o["kind"] for o in custom}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "Cluster", "Database",
            "ScheduledBackup", "ServiceMonitor", "PrometheusRule"} <= kinds
    for obj in custom:
        key = (obj["apiVersion"], obj["kind"])
        assert key in validators, f"no vendored CRD for {key} (tests/deploy/crds/README.md)"
        errors = sorted(validators[key].iter_errors(obj), key=lambda e: list(e.path))
        assert not errors, f"{obj['kind']}/{obj['metadata']['name']}: " + "; ".join(
            f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def test_every_service_has_its_deployment_service_pdb_hpa_and_network_policy(objects) -> None:
    services = chart_values()["services"]
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                 "NetworkPolicy", "ConfigMap"):
        assert set(of_kind(objects, kind)) >= {f"bps-{s}" for s in services}, kind
    assert set(services) >= set(topics.SERVICES)


def test_a_new_service_is_one_values_entry() -> None:
    objects = render("--set-json", 'services.extra={"kafka":false,"database":false}')
    assert "bps-extra" in of_kind(objects, "Deployment")
    assert "bps-extra" in of_kind(objects, "PodDisruptionBudget")
    assert "bps-extra-migrate" not in of_kind(objects, "Job")
    env = pod_env_names(of_kind(objects, "Deployment")["bps-extra"], objects)
    assert "EXTRA_HTTP_PORT" in env and not any("KAFKA" in n for n in env)


@pytest.mark.parametrize(("value", "named"), [
    ("postgres.mode=extrenal", "/postgres/mode"),
    ("services.applicant.replica=3", "'replica'"),
    ("kafka.clientListener=plain", "/kafka/clientListener"),
])
def test_a_misspelt_value_is_refused_naming_the_field(value: str, named: str) -> None:
    done = subprocess.run([find_helm(), "template", "bps", str(CHART), "--set", value],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert named in done.stderr, done.stderr


def test_pods_run_non_root_read_only_with_probes_and_a_grace_period_over_the_drain(
        objects) -> None:
    for name, deployment in of_kind(objects, "Deployment").items():
        values = chart_values()
        svc = {**values["serviceDefaults"], **values["services"][name.removeprefix("bps-")]}
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert container["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
        assert pod["terminationGracePeriodSeconds"] > svc["preStopSeconds"] + svc["drainSeconds"]
        assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} >= {
            "topology.kubernetes.io/zone", "kubernetes.io/hostname"}


def test_autoscaling_never_passes_the_partition_count_of_the_topics_read(objects) -> None:
    partitions = {t["spec"]["topicName"]: t["spec"]["partitions"]
                  for t in of_kind(objects, "KafkaTopic").values()}
    for name, hpa in of_kind(objects, "HorizontalPodAutoscaler").items():
        service = name.removeprefix("bps-")
        read = [partitions[t.name] for t in topics.TOPICS if service in t.readers]
        assert read, f"{service} reads no topic"
        # 12 exactly: every main topic has the catalogue's 12 partitions, and the cap is reached.
        assert hpa["spec"]["maxReplicas"] == min(read) == topics.PARTITIONS == 12
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_the_topics_are_the_catalogue_plus_dead_letter_twins_replicated_three_times(
        objects) -> None:
    rendered = {(t["spec"]["topicName"], t["spec"]["partitions"], t["spec"]["replicas"],
                 t["spec"]["config"]["min.insync.replicas"], t["spec"]["config"]["retention.ms"])
                for t in of_kind(objects, "KafkaTopic").values()}
    wanted = {(t.name, t.partitions, 3, 2, t.retention_ms) for t in topics.TOPICS}
    wanted |= {(t.dlq, topics.DLQ_PARTITIONS, 3, 2, topics.DLQ_RETENTION_MS)
               for t in topics.TOPICS}
    assert rendered == wanted
    # The documented choices: 12 partitions, 7 days, dead letters 30 days.
    assert {(p, r) for _, p, _, _, r in rendered} == {(12, 7 * DAY_MS), (1, 30 * DAY_MS)}


def test_the_generated_kafka_catalogue_is_up_to_date() -> None:
    done = subprocess.run([sys.executable, "-m", "deploy.helm.generate", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_kafka_user_acls_equal_the_acl_plan(objects) -> None:
    done = subprocess.run([sys.executable, "-m", "deploy.helm.generate", "--plan"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    plan = {tuple(acl) for acl in json.loads(done.stdout)}
    users = of_kind(objects, "KafkaUser")
    assert set(users) == set(topics.SERVICES)
    assert all(u["spec"]["authentication"]["type"] == "scram-sha-512" for u in users.values())
    assert strimzi_acls_as_plan(users.values()) == plan


def test_the_kafka_cluster_is_kraft_with_three_controllers_three_brokers_and_min_isr_two(
        objects) -> None:
    pools = {p["spec"]["roles"][0]: p["spec"]["replicas"]
             for p in of_kind(objects, "KafkaNodePool").values()}
    assert pools == {"controller": 3, "broker": 3}
    (kafka,) = of_kind(objects, "Kafka").values()
    config = kafka["spec"]["kafka"]["config"]
    assert (config["default.replication.factor"], config["min.insync.replicas"]) == (3, 2)
    listeners = {x["name"]: x for x in kafka["spec"]["kafka"]["listeners"]}
    assert listeners["tls"]["tls"] is True
    assert {x["authentication"]["type"] for x in listeners.values()} == {"scram-sha-512"}


@pytest.mark.parametrize("sets", [
    (),
    ("--set", "postgres.mode=external"),
    ("--set", "kafka.deploy=false", "--set", "kafka.external.bootstrapServers=kafka.example:9093"),
], ids=["cnpg-and-strimzi", "external-database", "external-kafka"])
def test_env_names_are_real_settings_and_the_rendered_values_parse(
        sets, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    objects = render(*sets)
    workloads = [*of_kind(objects, "Deployment").values(), *of_kind(objects, "Job").values()]
    assert workloads
    for workload in workloads:
        service = workload["metadata"]["labels"]["app.kubernetes.io/name"]
        cls = settings_class(importlib.import_module(f"{service}.config"))
        env = pod_env_names(workload, objects)
        unknown = set(env) - env_names_of(cls)
        assert not unknown, f"{workload['metadata']['name']}: not settings of {cls.__name__}"
        _settings_load(cls, env, monkeypatch, tmp_path)


def _settings_load(cls: type, env: dict[str, str | None],
                   monkeypatch: pytest.MonkeyPatch, mounts: Path) -> None:
    """The settings class accepts the rendered values (Secret values stand in as dummies, and
    files the pod mounts under /etc/bps, such as the broker CA, as empty files here)."""
    dummies: dict[str, Callable[[], str]] = {"DATABASE_URL": lambda: "postgresql://u:p@db/x"}
    with monkeypatch.context() as patch:
        for key in list(os.environ):
            if key.startswith(cls.model_config["env_prefix"]):
                patch.delenv(key)
        for name, value in env.items():
            suffix = name.removeprefix(cls.model_config["env_prefix"])
            if value and value.startswith("/etc/bps/"):
                value = str(mounts / value.removeprefix("/etc/bps/").replace("/", "-"))
                Path(value).touch()
            patch.setenv(name, value if value is not None
                         else dummies.get(suffix, lambda: "from-a-secret")())
        cls()


def test_the_default_tls_listener_verifies_brokers_against_the_strimzi_cluster_ca() -> None:
    import kubernetes_validate

    objects = render()
    for name, deployment in of_kind(objects, "Deployment").items():
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
        env = pod_env_names(deployment, objects)
        prefix = name.removeprefix("bps-").upper() + "_"
        assert env[prefix + "KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env[prefix + "KAFKA_BOOTSTRAP_SERVERS"].endswith(":9093")
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        assert volumes["kafka-ca"]["secret"]["secretName"] == "bps-kafka-cluster-ca-cert"
        assert env[prefix + "KAFKA_SSL_CAFILE"] == "/etc/bps/kafka-ca/ca.crt"


def test_the_alerts_use_the_metric_names_the_services_export(objects) -> None:
    from shared.metrics import PlumbingMetrics

    exported = {family.name + ("_total" if family.type == "counter" else "")
                for family in PlumbingMetrics().registry.collect()}
    (rule,) = of_kind(objects, "PrometheusRule").values()
    alerts = {r["alert"]: r["expr"] for group in rule["spec"]["groups"] for r in group["rules"]}
    assert set(alerts) == {"BpsConsumerLagHigh", "BpsOutboxBacklogOld", "BpsDeadLetters",
                           "BpsTimersOverdue"}
    used = set(re.findall(r"\bbps_[a-z_]+", " ".join(alerts.values())))
    assert "bps_events_dead_lettered_total" in used & exported
    assert used - exported == SERVICE_METRICS


def test_migrations_run_as_hook_jobs_and_cnpg_backs_up(objects) -> None:
    jobs = of_kind(objects, "Job")
    assert set(jobs) == {f"bps-{s}-migrate" for s in topics.SERVICES}
    for name, job in jobs.items():
        assert "pre-upgrade" in job["metadata"]["annotations"]["helm.sh/hook"]
        (container,) = job["spec"]["template"]["spec"]["containers"]
        module = name.removeprefix("bps-").removesuffix("-migrate")
        assert container["command"] == ["/venv/bin/python", "-m", module, "migrate"]
    (cluster,) = of_kind(objects, "Cluster").values()
    assert cluster["spec"]["backup"]["barmanObjectStore"]["wal"]
    assert of_kind(objects, "ScheduledBackup")
    external = render("--set", "postgres.mode=external")
    assert not of_kind(external, "Cluster")
    assert all(j["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
               for j in of_kind(external, "Job").values())


# ------------------------------------------------------------------ helpers


def crd_validators() -> dict[tuple[str, str], object]:
    """(apiVersion, kind) -> a JSON-schema validator built from the vendored CRDs, made strict:
    the API server silently prunes unknown fields, so a misspelt field would otherwise pass."""
    from jsonschema import Draft7Validator

    validators = {}
    for path in sorted((Path(__file__).parent / "crds").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = _strict(version["schema"]["openAPIV3Schema"])
            key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
            validators[key] = Draft7Validator(schema)
    return validators


def _strict(schema: object) -> object:
    if isinstance(schema, dict):
        schema = {k: _strict(v) for k, v in schema.items()}
        if ("properties" in schema and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def settings_class(module: object) -> type:
    """The pydantic-settings class a service's config module defines."""
    from pydantic_settings import BaseSettings

    classes = [v for v in vars(module).values() if isinstance(v, type)
               and issubclass(v, BaseSettings) and v.__module__ == module.__name__]
    assert len(classes) == 1, f"{module.__name__} should define one settings class"
    return classes[0]


def env_names_of(cls: type) -> set[str]:
    """Every variable the class reads: prefix + field name, or the field's own alias."""
    prefix = cls.model_config.get("env_prefix", "")
    names = set()
    for field, info in cls.model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        if isinstance(alias, str):
            names.add(alias.upper())
        elif choices:
            names |= {c.upper() for c in choices if isinstance(c, str)}
        else:
            names.add((prefix + field).upper())
    return names


def pod_env_names(workload: dict, objects: list[dict]) -> dict[str, str | None]:
    """name -> value of a workload's container env, ConfigMaps included (None: from a Secret)."""
    config_maps = of_kind(objects, "ConfigMap")
    env: dict[str, str | None] = {}
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    for source in container.get("envFrom", []):
        env |= config_maps[source["configMapRef"]["name"]]["data"]
    for var in container.get("env", []):
        env[var["name"]] = var.get("value")
    return env


def strimzi_acls_as_plan(users) -> set[tuple[str, str, str, str, str]]:
    """KafkaUser ACLs back in the plan's form: (principal, type, pattern, name, operation)."""
    pattern = {"literal": "LITERAL", "prefix": "PREFIXED"}
    return {(f"User:{u['metadata']['name']}", acl["resource"]["type"].upper(),
             pattern[acl["resource"]["patternType"]], acl["resource"]["name"], op.upper())
            for u in users for acl in u["spec"]["authorization"]["acls"]
            for op in acl["operations"]}
