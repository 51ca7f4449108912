"""One event class -> its JSON Schema document and file name.

Its own module because both the generator (which writes the files) and the compatibility
check (which compares them) need it, and neither should import the other.
"""

from __future__ import annotations

from typing import Any

from contracts.envelope import Event

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_file(cls: type[Event]) -> str:
    return f"schemas/{cls.tag()}.json"


def event_schema(cls: type[Event]) -> dict[str, Any]:
    body = cls.model_json_schema()
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"{cls.tag()}.json",
        **body,
        "x-topic": cls.TOPIC,
        "x-key": cls.KEY_FIELD,
    }
