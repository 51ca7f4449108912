"""Backward-compatibility check between two JSON Schemas of one event version.

Reported as breaking (old consumers or old stored events would fail): a removed field, a
changed type (format, const and nullability included), a new required field, a field that is
no longer required, a removed enum value. Adding an optional field or an enum value is fine.
Constraint changes (lengths, ranges) are not checked.

    python -m contracts.compat OLD_DIR_OR_GIT_REF   # e.g. origin/main: compare schemas
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from contracts.catalogue import ALL_EVENTS
from contracts.event_schemas import event_schema

Schema = dict[str, Any]


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    return _Diff(old, new).run()


class _Diff:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)
        self.out: list[str] = []
        self.seen: set[tuple[str, str]] = set()

    def run(self) -> list[str]:
        self.compare_node(*self.roots, path="")
        return self.out

    def resolve(self, node: Schema, which: int) -> Schema:
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, got {ref}")
            target: Any = self.roots[which]
            for part in ref[2:].split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def variants(self, node: Schema, which: int) -> list[Schema]:
        node = self.resolve(node, which)
        for key in ("anyOf", "oneOf"):
            if key in node:
                return [v for sub in node[key] for v in self.variants(sub, which)]
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.variants(node["allOf"][0], which)
        return [node]

    def signature(self, node: Schema, which: int) -> frozenset[str]:
        sig = set()
        for v in self.variants(node, which):
            if "const" in v:
                sig.add(f"const {json.dumps(v['const'])}")
                continue
            types = v.get("type", "object" if "properties" in v else "any")
            for t in [types] if isinstance(types, str) else types:
                sig.add(f"{t}({v['format']})" if "format" in v else t)
        return frozenset(sig)

    def enum_values(self, node: Schema, which: int) -> set[Any] | None:
        values: set[Any] = set()
        has_enum = False
        for v in self.variants(node, which):
            if "enum" in v:
                has_enum = True
                values |= {json.dumps(x) for x in v["enum"]}
        return values if has_enum else None

    def compare_node(self, old: Schema, new: Schema, path: str) -> None:
        old_sig, new_sig = self.signature(old, 0), self.signature(new, 1)
        if old_sig != new_sig:
            self.out.append(
                f"changed type of {path or '<root>'}: "
                f"{' | '.join(sorted(old_sig))} -> {' | '.join(sorted(new_sig))}"
            )
            return
        old_enum, new_enum = self.enum_values(old, 0), self.enum_values(new, 1)
        if old_enum is not None:
            for value in sorted(old_enum - (new_enum or set())):
                self.out.append(f"removed enum value {value} from {path}")
        olds, news = self.variants(old, 0), self.variants(new, 1)
        old_obj = [v for v in olds if "properties" in v]
        new_obj = [v for v in news if "properties" in v]
        if old_obj and new_obj:
            self.compare_object(old_obj[0], new_obj[0], path)
        old_arr = [v for v in olds if v.get("type") == "array" and "items" in v]
        new_arr = [v for v in news if v.get("type") == "array" and "items" in v]
        if old_arr and new_arr:
            self.compare_node(old_arr[0]["items"], new_arr[0]["items"], path)

    def compare_object(self, old: Schema, new: Schema, path: str) -> None:
        key = (json.dumps(old, sort_keys=True), json.dumps(new, sort_keys=True))
        if key in self.seen:  # a recursive model: each pair once
            return
        self.seen.add(key)
        prefix = f"{path}." if path else ""
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        for name, sub in old_props.items():
            if name not in new_props:
                self.out.append(f"removed field {prefix}{name}")
                continue
            if name in old_req and name not in new_req:
                self.out.append(f"field {prefix}{name} is no longer required")
            self.compare_node(sub, new_props[name], prefix + name)
        for name in sorted(new_req - old_req):
            self.out.append(f"new required field {prefix}{name}")


def _load_dir_or_ref(where: str) -> dict[str, Schema]:
    folder = Path(where)
    if folder.is_dir():
        return {p.name: json.loads(p.read_text()) for p in folder.glob("*.json")}
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{where}:contracts/schemas"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {
        name: json.loads(
            subprocess.run(
                ["git", "show", f"{where}:contracts/schemas/{name}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for name in listing
        if name.endswith(".json")
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    old = _load_dir_or_ref(args[0])
    new = {f"{cls.tag()}.json": event_schema(cls) for cls in ALL_EVENTS}
    problems = [f"{name}: event removed" for name in sorted(old.keys() - new.keys())]
    for name in sorted(old.keys() & new.keys()):
        problems += [f"{name}: {c}" for c in breaking_changes(old[name], new[name])]
    for line in problems:
        print(f"BREAKING {line}", file=sys.stderr)
    print(f"{len(problems)} breaking change(s) against {args[0]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
