"""How each Record.event_type is named in English and Vietnamese (toolkit/data/glossary_events.json)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .glossary import _cached, _read_json
from .text import fold, nfc

EVENTS_PATH = Path(__file__).resolve().parent.parent / "data" / "glossary_events.json"


@dataclass(frozen=True)
class EventNames:
    """How each Record.event_type is named (glossary_events.json), and which words name which type."""

    en: dict[str, str]
    noun_en: dict[str, str]
    vi: dict[str, str]
    words: dict[str, list[tuple[re.Pattern, str]]]  # lang -> [(pattern, type)], longest phrase first
    compatible: dict[str, frozenset[str]]
    version: str

    def allowed(self, event_type: str) -> frozenset[str]:
        """Types whose words may name an event of `event_type` (itself and the broader ones)."""
        return frozenset({event_type}) | self.compatible.get(event_type, frozenset())

    def named(self, text: str, lang: str) -> list[tuple[str, str]]:
        """(phrase as written, type) for each event-type phrase in `text`; overlapping shorter
        phrases are not counted twice ('working session' is not also a 'session')."""
        folded = fold(nfc(text))
        taken: list[tuple[int, int]] = []
        out: list[tuple[int, str, str]] = []
        for pat, typ in self.words.get(lang, []):
            for m in pat.finditer(folded):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                out.append((m.start(), text[m.start():m.end()], typ))
        return [(w, t) for _, w, t in sorted(out)]


def _phrase_re(phrase: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", fold(nfc(phrase)))) + r"(?!\w)")


@lru_cache(maxsize=4)
def _load_events(path: str, mtime_ns: int) -> EventNames:
    def build(data: dict, version: str) -> EventNames:
        types = data["types"]
        words: dict[str, list[tuple[str, str]]] = {"en": [], "vi": []}
        for typ, t in types.items():
            words["en"] += [(w, typ) for w in t.get("en_words", [])]
            words["vi"] += [(w, typ) for w in t.get("vi_words", [])]
        compiled = {lang: [(_phrase_re(w), typ) for w, typ in sorted(ws, key=lambda x: -len(x[0]))] for lang, ws in words.items()}
        compatible = {k: frozenset(v) for k, v in data.get("compatible", {}).items() if not k.startswith("_")}
        return EventNames(en={k: t["en"] for k, t in types.items()}, noun_en={k: t["noun_en"] for k, t in types.items()},
                          vi={k: nfc(t["vi"]) for k, t in types.items()}, words=compiled, compatible=compatible,
                          version=version)

    return _read_json(Path(path), "event glossary", "types: {type: {en, noun_en, vi, en_words, vi_words}}", build)


def load_events(path: Path | None = None) -> EventNames:
    return _cached(_load_events, Path(path or EVENTS_PATH), "event glossary")
