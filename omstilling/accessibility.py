"""The accessibility statement's facts (tilgjengelighetserklæring), read from ``data/accessibility.json``.

The list of known deviations is data, not prose: the statement page prints it, and the browser tests
(``tests/browser.py``) fail on any deviation axe-core finds that the list does not name. A deviation is
``{"rule": <axe rule id>, "wcag": "1.4.3", "pages": [<path prefix>, ...], "nb": ..., "en": ...}``;
an empty ``pages`` means every page.
"""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

STATEMENT = Path(settings.BASE_DIR) / "data" / "accessibility.json"


@dataclass(frozen=True)
class Deviation:
    rule: str
    wcag: str
    pages: tuple[str, ...]
    text: dict

    def covers(self, rule: str, path: str) -> bool:
        return rule == self.rule and (not self.pages or any(path.startswith(page) for page in self.pages))

    @property
    def description(self):
        return self.text.get((get_language() or "nb")[:2], self.text.get("nb", ""))


@dataclass(frozen=True)
class Statement:
    standard: str
    last_checked: date
    method: dict
    deviations: tuple[Deviation, ...]

    @property
    def method_text(self):
        return self.method.get((get_language() or "nb")[:2], self.method.get("nb", ""))

    def named(self, rule: str, path: str) -> bool:
        """Whether the statement names a failure of axe rule ``rule`` on the page at ``path``."""
        return any(deviation.covers(rule, path) for deviation in self.deviations)


@cache
def statement() -> Statement:
    raw = json.loads(STATEMENT.read_text(encoding="utf-8"))
    return Statement(
        standard=raw["standard"],
        last_checked=date.fromisoformat(raw["last_checked"]),
        method=raw["method"],
        deviations=tuple(
            Deviation(
                rule=item["rule"],
                wcag=item["wcag"],
                pages=tuple(item.get("pages", ())),
                text={"nb": item["nb"], "en": item.get("en", item["nb"])},
            )
            for item in raw["deviations"]
        ),
    )
