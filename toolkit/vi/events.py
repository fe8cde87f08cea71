"""Event types of meeting reports, set by data (toolkit/data/vi_events.json).

`event_type(title, lead)` tries the rules in their order on the folded title and lead sentence; the first
type with a matching pattern wins. Nothing matches -> "other": an unsure report is never given a wrong
specific type.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from .text import fold


@lru_cache(maxsize=1)
def rules() -> list[tuple[str, list[re.Pattern], str, str]]:
    """(type, compiled patterns, English name, Vietnamese name), in priority order."""
    data = json.loads(resources.files("toolkit").joinpath("data/vi_events.json").read_text(encoding="utf-8"))
    return [(r["type"], [re.compile(p) for p in r["patterns"]], r["en"], r["vi"]) for r in data["rules"]]


def event_types() -> tuple[str, ...]:
    """Every type the rules know, plus 'other'."""
    return tuple(t for t, _, _, _ in rules()) + ("other",)


def names(event_type: str) -> tuple[str, str]:
    """(English, Vietnamese) name of a type; ('meeting', 'hội nghị') for 'other'."""
    for t, _, en, vi in rules():
        if t == event_type:
            return en, vi
    return "meeting", "hội nghị"


def matches(*texts: str) -> list[tuple[str, str]]:
    """(type, matched words) of every rule matching one of the texts, in priority order."""
    folded = [fold(t) for t in texts if t]
    out: list[tuple[str, str]] = []
    for t, patterns, _, _ in rules():
        for f in folded:
            m = next((m for p in patterns if (m := p.search(f))), None)
            if m:
                out.append((t, m.group(0)))
                break
    return out


def event_type(*texts: str) -> str:
    """The event type of a report from its title and lead sentence(s); 'other' when no rule matches."""
    hits = matches(*texts)
    return hits[0][0] if hits else "other"
