"""Message templates: one plain-text file per message in templates/, first line `Subject: ...`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _human(value: Any) -> str:
    return str(value).replace("_", " ")


class Templates:
    def __init__(self, directory: Path = TEMPLATE_DIR) -> None:
        # Plain text, not HTML: no autoescape. StrictUndefined makes a typo fail loudly in tests.
        self.env = Environment(loader=FileSystemLoader(directory), autoescape=False,
                               undefined=StrictUndefined, keep_trailing_newline=True)
        self.env.filters["human"] = _human

    def names(self) -> list[str]:
        return sorted(n.removesuffix(".txt") for n in self.env.list_templates(extensions=["txt"]))

    def render(self, template: str, **context: Any) -> Rendered:
        text = self.env.get_template(f"{template}.txt").render(**context)
        first, _, rest = text.partition("\n")
        if not first.startswith("Subject: "):
            raise ValueError(f"template {template}.txt must start with 'Subject: '")
        return Rendered(first.removeprefix("Subject: ").strip(), rest.strip() + "\n")
