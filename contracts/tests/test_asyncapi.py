import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from contracts.generate import ROOT

from contracts import TOPICS, events_for_topic

TOOLS = ROOT / "tools"
DOC = ROOT / "asyncapi.yaml"


def _doc() -> dict:
    return yaml.safe_load(DOC.read_text())


def test_every_topic_and_its_dead_letter_twin_has_a_channel():
    addresses = {c["address"] for c in _doc()["channels"].values()}
    assert addresses == {n for t in TOPICS for n in (t.name, t.dlq)}


def test_each_topic_channel_lists_exactly_its_events():
    channels = _doc()["channels"]
    for spec in TOPICS:
        names = set(channels[spec.name]["messages"])
        assert names == {c.tag().replace(".", "_") for c in events_for_topic(spec.name)}


def test_only_the_owner_sends_to_a_topic():
    ops = _doc()["operations"]
    for spec in TOPICS:
        senders = {
            op["tags"][0]["name"]
            for op in ops.values()
            if op["action"] == "send" and op["channel"]["$ref"] == f"#/channels/{spec.name}"
        }
        assert senders == {spec.owner}


def test_messages_describe_the_kafka_key():
    messages = _doc()["components"]["messages"]
    assert (
        "application_id" in messages["MatchProposed_v1"]["bindings"]["kafka"]["key"]["description"]
    )


def test_pii_marks_reach_the_asyncapi_document():
    schema = _doc()["components"]["schemas"]["ApplicationSubmitted"]
    assert schema["properties"]["applicant_email"]["x-pii"] is True


def _node_tools() -> Path:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node/npm not installed: AsyncAPI validation needs them")
    if not (TOOLS / "node_modules" / "@asyncapi" / "parser").is_dir():
        started = time.perf_counter()
        subprocess.run(
            ["npm", "ci"],
            cwd=TOOLS,
            check=True,
            capture_output=True,
            timeout=600,
            env={**os.environ, "SCARF_ANALYTICS": "false"},
        )
        print(f"npm ci took {time.perf_counter() - started:.1f}s")
    return TOOLS


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["node", "validate-asyncapi.mjs", str(path)],
        cwd=_node_tools(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_asyncapi_document_passes_the_official_parser():
    result = _validate(DOC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid AsyncAPI 3.0.0" in result.stdout


@pytest.mark.parametrize(
    ("breakage", "complaint"),
    [
        ("unknown_action", "must be equal to one of the allowed values"),
        ("dangling_ref", "NoSuchMessage' does not exist"),
    ],
)
def test_a_broken_asyncapi_document_fails_validation(tmp_path, breakage, complaint):
    doc = _doc()
    if breakage == "unknown_action":
        doc["operations"]["applicant_sends_applications"]["action"] = "publish"
    else:
        doc["channels"]["applications"]["messages"]["ApplicationSubmitted_v1"]["$ref"] = (
            "#/components/messages/NoSuchMessage"
        )
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = _validate(broken)
    assert result.returncode == 1, result.stdout
    assert "INVALID" in result.stdout and complaint in result.stdout
