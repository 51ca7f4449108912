import shutil
from pathlib import Path

import pytest

from contracts import ApplicationSubmitted, catalogue
from contracts import generate as gen


def test_the_committed_schemas_and_asyncapi_match_the_models():
    drifted = gen.drift()
    assert drifted == [], f"regenerate with `make contracts`: {drifted}"


def test_every_event_has_a_committed_schema_file():
    assert {f"schemas/{p.name}" for p in (gen.ROOT / "schemas").glob("*.json")} == {
        gen.schema_file(c) for c in catalogue.ALL_EVENTS
    }


@pytest.fixture
def committed_copy(tmp_path: Path) -> Path:
    shutil.copytree(gen.ROOT / "schemas", tmp_path / "schemas")
    shutil.copy(gen.ROOT / gen.ASYNCAPI_FILE, tmp_path / gen.ASYNCAPI_FILE)
    return tmp_path


def _swap(monkeypatch, old, new):
    events = tuple(new if c is old else c for c in catalogue.ALL_EVENTS)
    monkeypatch.setattr(catalogue, "ALL_EVENTS", events)
    monkeypatch.setattr(gen, "ALL_EVENTS", events)


def test_drift_is_detected_when_a_model_changes(committed_copy, monkeypatch):
    class ApplicationSubmitted2(ApplicationSubmitted):  # an added optional field
        nickname: str | None = None

    ApplicationSubmitted2.__name__ = "ApplicationSubmitted"
    _swap(monkeypatch, ApplicationSubmitted, ApplicationSubmitted2)
    assert gen.drift(committed_copy) == ["asyncapi.yaml", "schemas/ApplicationSubmitted.v1.json"]
    assert gen.main(["--check", "--root", str(committed_copy)]) == 1
    assert gen.schema_breaks(committed_copy) == []  # additive: regenerate is allowed
    assert gen.main(["--root", str(committed_copy)]) == 0
    assert gen.drift(committed_copy) == []


def test_the_generator_refuses_to_overwrite_with_a_breaking_change(committed_copy, monkeypatch):
    class ApplicationSubmitted2(ApplicationSubmitted):
        nationality: str  # a new required field

    ApplicationSubmitted2.__name__ = "ApplicationSubmitted"
    _swap(monkeypatch, ApplicationSubmitted, ApplicationSubmitted2)
    before = (committed_copy / "schemas/ApplicationSubmitted.v1.json").read_text()
    assert gen.main(["--root", str(committed_copy)]) == 1
    assert (committed_copy / "schemas/ApplicationSubmitted.v1.json").read_text() == before
    assert gen.schema_breaks(committed_copy) == [
        "schemas/ApplicationSubmitted.v1.json: new required field nationality"
    ]


def test_a_removed_event_is_reported_as_breaking(committed_copy, monkeypatch):
    events = tuple(c for c in catalogue.ALL_EVENTS if c is not ApplicationSubmitted)
    monkeypatch.setattr(catalogue, "ALL_EVENTS", events)
    monkeypatch.setattr(gen, "ALL_EVENTS", events)
    assert gen.schema_breaks(committed_copy) == [
        "schemas/ApplicationSubmitted.v1.json: event removed "
        "(keep the class while consumers migrate)"
    ]


def test_the_check_passes_on_the_committed_tree():
    assert gen.main(["--check"]) == 0
