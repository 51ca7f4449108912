"""PII marking. A PII field carries `"x-pii": true` in its JSON Schema, so a consumer that
only has the schema (the HR stream, an export) can still find and drop it."""

from __future__ import annotations

from typing import Any, get_args, get_origin

from pydantic import BaseModel, Field

PII_MARK = "x-pii"


def pii_field(default: Any = ..., **kwargs: Any) -> Any:
    """`Field(...)` that marks the field as personal data."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra[PII_MARK] = True
    return Field(default, json_schema_extra=extra, **kwargs)


def is_pii(field: Any) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(PII_MARK))


def models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) is None:
        return []
    return [m for arg in get_args(annotation) for m in models_in(arg)]


def pii_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths of PII fields, nested models included; a list of models is transparent
    (`declared_interests.name` means that field in every element)."""
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        path = prefix + name
        if is_pii(field):
            paths.add(path)
            continue
        for nested in models_in(field.annotation):
            paths |= pii_paths(nested, path + ".")
    return paths


def drop_paths(data: Any, paths: set[str]) -> Any:
    """A copy of a JSON-like value without the given dotted paths (lists are transparent)."""
    if isinstance(data, list | tuple):
        return [drop_paths(item, paths) for item in data]
    if not isinstance(data, dict):
        return data
    here = {p for p in paths if "." not in p}
    out = {}
    for key, value in data.items():
        if key in here:
            continue
        below = {p.split(".", 1)[1] for p in paths if p.startswith(key + ".")}
        out[key] = drop_paths(value, below) if below else value
    return out
