"""Message templates: one plain-text file per message in templates/, first line `Subject: ...`.
Every message a person gets is written there, GOV.UK Notify style; the filters below
(wording.py) put dates, stages and schemes in words, and `web` is where the links point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from notification import wording

TEMPLATE_DIR = Path(__file__).parent / "templates"
DEFAULT_WEB_BASE_URL = "http://127.0.0.1:8106"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


class Templates:
    def __init__(self, web_base_url: str = DEFAULT_WEB_BASE_URL,
                 directory: Path = TEMPLATE_DIR) -> None:
        # Plain text, not HTML: no autoescape. StrictUndefined makes a typo fail loudly in tests.
        self.env = Environment(loader=FileSystemLoader(directory), autoescape=False,
                               undefined=StrictUndefined, keep_trailing_newline=True,
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(human=wording.human, day=wording.day, stage=wording.stage,
                                scheme=wording.scheme, months=wording.months,
                                plain=wording.plain)
        self.env.globals["web"] = web_base_url.rstrip("/")

    def names(self) -> list[str]:
        return sorted(n.removesuffix(".txt") for n in self.env.list_templates(extensions=["txt"])
                      if not n.startswith("_"))

    def render(self, template: str, **context: Any) -> Rendered:
        # Callers that know no more than the event still get the placement in general words.
        context = {**wording.words_for(context.get("e") or {}, context.get("opp"),
                                       context.get("applicant", wording.SOMEONE)), **context}
        text = self.env.get_template(f"{template}.txt").render(**context)
        first, _, rest = text.partition("\n")
        if not first.startswith("Subject: "):
            raise ValueError(f"template {template}.txt must start with 'Subject: '")
        return Rendered(first.removeprefix("Subject: ").strip(), rest.strip() + "\n")
