"""Writes contracts/schemas/<EventType>.v<N>.json and contracts/asyncapi.yaml from the models.

python -m contracts.generate            # write; refuses a backward-incompatible change
python -m contracts.generate --check    # exit 1 when the committed files drift
python -m contracts.generate --allow-breaking   # write anyway (a new version is better)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from contracts.catalogue import ALL_EVENTS, events_for_topic
from contracts.compat import breaking_changes
from contracts.envelope import Event
from contracts.event_schemas import event_schema, schema_file
from contracts.topics import DLQ_PARTITIONS, DLQ_READERS, DLQ_RETENTION_MS, TOPICS, TopicSpec

ROOT = Path(__file__).resolve().parents[2]  # the contracts/ folder
ASYNCAPI_FILE = "asyncapi.yaml"
KAFKA_BINDING = "0.5.0"


def _dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def _summary(cls: type) -> str | None:
    doc = (cls.__doc__ or "").strip()
    own = doc and cls.__doc__ is not Event.__doc__ and "__doc__" in cls.__dict__
    return doc.splitlines()[0] if own else None


def _message_id(cls: type[Event]) -> str:
    return cls.tag().replace(".", "_")


ENVELOPE_HEADERS = {
    "type": "object",
    "description": "Kafka record headers mirroring the envelope (written by the outbox relay).",
    "properties": {
        "event_type": {"type": "string"},
        "schema_version": {"type": "string"},
        "correlation_id": {"type": "string", "format": "uuid"},
        "causation_id": {"type": "string", "format": "uuid"},
        "producer": {"type": "string"},
        "content-type": {"type": "string", "const": "application/json"},
    },
    "required": ["event_type", "schema_version", "correlation_id", "producer"],
}

DLQ_HEADERS = {
    "type": "object",
    "description": "The original record's headers plus the x-dlq-* headers of shared.dlq. "
    "x-dlq-reason is `invalid_message` (not an event of the catalogue) or `handler_failed` "
    "(the consumer's handler kept failing).",
    "properties": {
        h: {"type": "string"}
        for h in (
            "x-dlq-reason",
            "x-dlq-error",
            "x-dlq-consumer",
            "x-dlq-original-topic",
            "x-dlq-original-partition",
            "x-dlq-original-offset",
            "x-dlq-failed-at",
            "x-dlq-attempts",
        )
    },
    "required": ["x-dlq-reason", "x-dlq-error", "x-dlq-consumer", "x-dlq-original-topic"],
}


DLQ_READING = {
    "monitor": "monitor shows and replays dead letters.",
    "notification": "notification tells HR about each dead letter.",
}


def _message(cls: type[Event], spec: TopicSpec) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "name": cls.model_fields["event_type"].default,
        "title": f"{cls.__name__} (schema_version {cls.model_fields['schema_version'].default})",
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/EnvelopeHeaders"},
        "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
        "correlationId": {"$ref": "#/components/correlationIds/journey"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"{cls.KEY_FIELD} ({spec.key})"},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "x-schema-file": schema_file(cls),
    }
    if summary := _summary(cls):
        msg["summary"] = summary
    return msg


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": "DeadLetter",
        "title": "A record a consumer could not handle",
        "summary": "The original value, unchanged (it may not even be JSON), plus x-dlq-* headers.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"type": "string", "description": "The original record value."},
        "contentType": "application/octet-stream",
    }


def asyncapi() -> dict[str, Any]:
    defs = models_json_schema(
        [(cls, "validation") for cls in ALL_EVENTS], ref_template="#/components/schemas/{model}"
    )[1]["$defs"]
    schemas = {
        **dict(sorted(defs.items())),
        "EnvelopeHeaders": ENVELOPE_HEADERS,
        "DeadLetterHeaders": DLQ_HEADERS,
    }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {"DeadLetter": _dead_letter_message()}
    for spec in TOPICS:
        classes = events_for_topic(spec.name)
        for cls in classes:
            messages[_message_id(cls)] = _message(cls, spec)
        refs = {
            _message_id(c): {"$ref": f"#/components/messages/{_message_id(c)}"} for c in classes
        }
        dlq_id = f"{spec.name}_dlq"
        channels[spec.name] = {
            "address": spec.name,
            "title": spec.name,
            "description": f"Single writer: {spec.owner}. Kafka key: {spec.key}. "
            f"{spec.partitions} partitions.",
            "messages": refs,
            "bindings": {
                "kafka": {
                    "topic": spec.name,
                    "partitions": spec.partitions,
                    "topicConfiguration": {"retention.ms": spec.retention_ms},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
        channels[dlq_id] = {
            "address": spec.dlq,
            "title": spec.dlq,
            "description": f"Dead letters of `{spec.name}`, written by its consumers, "
            "read and replayed by monitor, reported to HR by notification.",
            "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
            "bindings": {
                "kafka": {
                    "topic": spec.dlq,
                    "partitions": DLQ_PARTITIONS,
                    "topicConfiguration": {"retention.ms": DLQ_RETENTION_MS},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
        own = [{"$ref": f"#/channels/{spec.name}/messages/{m}"} for m in refs]
        dead = [{"$ref": f"#/channels/{dlq_id}/messages/DeadLetter"}]
        operations[f"{spec.owner}_sends_{spec.name}"] = _operation(
            "send", spec.name, own, spec.owner, f"{spec.owner} writes {spec.name} (outbox relay)."
        )
        for reader in spec.readers:
            operations[f"{reader}_receives_{spec.name}"] = _operation(
                "receive", spec.name, own, reader, f"{reader} consumes {spec.name}."
            )
            operations[f"{reader}_dead_letters_{spec.name}"] = _operation(
                "send", dlq_id, dead, reader, f"{reader} dead-letters what it cannot handle."
            )
        for reader in DLQ_READERS:
            operations[f"{reader}_receives_{spec.name}_dlq"] = _operation(
                "receive", dlq_id, dead, reader, DLQ_READING[reader]
            )
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Business Placement Scheme events",
            "version": "1.0.0",
            "description": "Generated by `python -m contracts.generate` from the pydantic "
            "models in `contracts`; do not edit by hand. Every payload carries the envelope "
            "(event_id, event_type, schema_version, occurred_at, producer, correlation_id, "
            'causation_id). Fields marked `"x-pii": true` are personal data.',
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "The local single KRaft broker (docs/conventions.md).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "correlationIds": {
                "journey": {
                    "description": "The journey: the application (or opportunity) id.",
                    "location": "$message.payload#/correlation_id",
                }
            },
        },
    }


def _operation(
    action: str, channel: str, messages: list[dict[str, str]], service: str, summary: str
) -> dict[str, Any]:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": messages,
        "summary": summary,
        "tags": [{"name": service}],
    }


def render() -> dict[str, str]:
    """Every generated file: path relative to contracts/ -> content."""
    files = {schema_file(cls): _dump_json(event_schema(cls)) for cls in ALL_EVENTS}
    files[ASYNCAPI_FILE] = yaml.safe_dump(
        asyncapi(), sort_keys=False, allow_unicode=True, width=100
    )
    return files


def committed(root: Path = ROOT) -> dict[str, str]:
    found = {
        f"schemas/{p.name}": p.read_text(encoding="utf-8")
        for p in sorted((root / "schemas").glob("*.json"))
    }
    if (root / ASYNCAPI_FILE).exists():
        found[ASYNCAPI_FILE] = (root / ASYNCAPI_FILE).read_text(encoding="utf-8")
    return found


def drift(root: Path = ROOT) -> list[str]:
    """Files that differ between the models and what is on disk."""
    want, have = render(), committed(root)
    return sorted(p for p in want.keys() | have.keys() if want.get(p) != have.get(p))


def schema_breaks(root: Path = ROOT) -> list[str]:
    """Backward-incompatible differences between the schemas on disk and the models."""
    want, have = render(), committed(root)
    problems = []
    for path, text in have.items():
        if not path.startswith("schemas/"):
            continue
        if path not in want:
            problems.append(f"{path}: event removed (keep the class while consumers migrate)")
            continue
        for change in breaking_changes(json.loads(text), json.loads(want[path])):
            problems.append(f"{path}: {change}")
    return problems


def write(root: Path = ROOT) -> list[str]:
    want = render()
    (root / "schemas").mkdir(exist_ok=True)
    for stale in set(committed(root)) - set(want):
        (root / stale).unlink()
    changed = []
    for path, text in want.items():
        target = root / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.generate")
    parser.add_argument("--check", action="store_true", help="fail on drift, write nothing")
    parser.add_argument("--allow-breaking", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    breaks = schema_breaks(args.root)
    for line in breaks:
        print(f"BREAKING {line}", file=sys.stderr)
    if args.check:
        drifted = drift(args.root)
        for path in drifted:
            print(f"DRIFT {path}: regenerate with `make contracts`", file=sys.stderr)
        return 1 if drifted or breaks else 0
    if breaks and not args.allow_breaking:
        print(
            "refusing to overwrite: add a new schema_version class instead "
            "(contracts/README.md), or pass --allow-breaking",
            file=sys.stderr,
        )
        return 1
    changed = write(args.root)
    print(f"{len(changed)} file(s) written under {args.root}" if changed else "up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
