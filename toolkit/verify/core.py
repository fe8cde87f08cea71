"""Evidence, numbers and names against source texts: the core of the one verifier (toolkit.verify).

Used by extraction (evidence), Q&A and summaries (check) and the evals. Pure Python, fast.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from collections.abc import Sequence

from pydantic import BaseModel, Field

from ..vi.dates import dates_in
from ..vi.number_spans import find_numbers
from ..vi.numbers import Notation, _vi_word_number, number_tokens, parse_number, same_value
from ..schemas import Document, Evidence
from ..vi.text import fold, locate, strip_marks



class Verdict(BaseModel):
    ok: bool = Field(description="True when every number and name in the text is in the sources.")
    missing_numbers: list[str] = Field(default_factory=list, description="Raw numbers not found in any source.")
    missing_names: list[str] = Field(default_factory=list, description="Personal names not found in any source.")
    missing_codes: list[str] = Field(default_factory=list, description="Document codes not among the picked spans (answers).")
    unsupported_words: list[str] = Field(default_factory=list, description="Content words the picked spans do not carry (answers).")
    problems: list[str] = Field(default_factory=list, description="Other reasons an answer was refused.")


def evidence_for(doc: Document, paragraph_id: str, quote: str) -> Evidence | None:
    """Evidence for `quote` inside paragraph `paragraph_id` of `doc`, or None.

    The quote is located exactly, else under fold()/whitespace/typographic-quote tolerance; the
    returned Evidence.quote is the exact ORIGINAL substring with offsets into the paragraph text.
    None when the paragraph does not exist, the quote is empty / shorter than 2 characters, or it
    is not in that paragraph.
    """
    if not quote or len(quote.strip()) < 2:
        return None
    try:
        para = doc.paragraph(paragraph_id)
    except KeyError:
        return None
    hit = locate(para.text, quote.strip())
    if hit is None:
        return None
    s, e = hit
    return Evidence(doc_id=doc.doc_id, paragraph_id=paragraph_id, quote=para.text[s:e], start=s, end=e)


# --- numbers ---------------------------------------------------------------------------------

_DIGITS_RE = re.compile(r"\d+")


_Facts = tuple[frozenset[float], frozenset[tuple[int, int, int]], frozenset[tuple[int, int]], frozenset[tuple[int, int]], frozenset[int]]


@lru_cache(maxsize=2048)
def _facts_of(src: str) -> _Facts:
    """(values, full dates, day-month of every date, day-month written without a year, years)."""
    values: set[float] = set()
    full_dates: set[tuple[int, int, int]] = set()
    partial_dates: set[tuple[int, int]] = set()
    yearless_dates: set[tuple[int, int]] = set()
    years: set[int] = set()
    for sp in find_numbers(src):
        values.add(sp.value)
        if sp.target is not None:
            values.add(sp.target)
        if sp.kind == "date" and sp.day is not None and sp.month is not None:
            partial_dates.add((sp.day, sp.month))
            if sp.year:
                full_dates.add((sp.day, sp.month, sp.year))
                years.add(sp.year)
            else:
                yearless_dates.add((sp.day, sp.month))
        if sp.kind == "year" and sp.year:
            years.add(sp.year)
        if sp.kind in ("date", "year", "code", "ordinal", "ratio"):
            for d in _DIGITS_RE.findall(sp.raw):
                values.add(float(d))
                if len(d) == 4:
                    years.add(int(d))
        if sp.kind in ("number", "percent"):
            # "44 ngàn" also supports a bare 44
            values |= parse_number(sp.raw.split()[0].rstrip("%"), "vi")
    # Vietnamese number words (hai, ba, mười hai...) support small English numbers.
    for w in _VI_NUMBER_WORD_RE.finditer(fold(src)):
        if w.group(0) in ("năm", "tư"):
            continue  # alone these mean "year" / "private" far more often than 5 / 4
        v = _vi_word_number(w.group(0))
        if v is not None:
            values.add(float(v))
    return (frozenset(values), frozenset(full_dates), frozenset(partial_dates), frozenset(yearless_dates), frozenset(years))


class SourceFacts:
    """Numbers and dates of a list of source texts, parsed once (reuse it to check many texts).
    Per-source parsing is cached, so building one for the same paragraphs again is cheap."""

    def __init__(self, sources: Sequence[str]):
        values: set[float] = set()
        self.full_dates: set[tuple[int, int, int]] = set()
        self.partial_dates: set[tuple[int, int]] = set()
        self.yearless_dates: set[tuple[int, int]] = set()
        self.years: set[int] = set()
        for src in sources:
            v, full, part, yearless, years = _facts_of(src)
            values |= v
            self.full_dates |= full
            self.partial_dates |= part
            self.yearless_dates |= yearless
            self.years |= years
        self.values = values
        self._sorted = sorted(values)

    def has_value(self, candidates: set[float]) -> bool:
        for c in candidates:
            i = bisect.bisect_left(self._sorted, c - 1e-6)
            if i < len(self._sorted) and same_value(self._sorted[i], c):
                return True
            if i + 1 < len(self._sorted) and same_value(self._sorted[i + 1], c):
                return True
        return False

    def has_date(self, d: int, m: int, y: int | None) -> bool:
        if y is None:
            return (d, m) in self.partial_dates
        if (d, m, y) in self.full_dates:
            return True
        # "Sáng 14-2" with the year written elsewhere in the sources
        return (d, m) in self.yearless_dates and y in self.years


_VI_NUMBER_WORD_RE = re.compile(
    r"(?<![\w])(?:một|hai|ba|bốn|tư|năm|sáu|bảy|bẩy|tám|chín|mười)(?:\s+(?:mươi|một|mốt|hai|ba|bốn|tư|lăm|năm|sáu|bảy|tám|chín))*(?![\w])"
)


def unsupported_numbers(text: str, sources: Sequence[str] | SourceFacts, notation: Notation = "auto") -> list[str]:
    """Raw number strings in `text` whose plausible values match no number in any source.

    Sources are read in Vietnamese notation (find_numbers); `text` in `notation` ('auto': both).
    Dates in `text` (19/10/2021, 2021-10-19, 19 October 2021...) are compared as (day, month,
    year); citation markers like [1] are ignored.
    """
    facts = sources if isinstance(sources, SourceFacts) else SourceFacts(sources)
    missing: list[str] = []
    date_spans = dates_in(text)
    for _, _, raw, (d, m, y) in date_spans:
        if not facts.has_date(d, m, y):
            missing.append(raw)
    for s, e, raw, vals in number_tokens(text, notation):
        if any(a <= s and e <= b for a, b, _, _ in date_spans):
            continue
        if not facts.has_value(vals):
            missing.append(raw)
    return missing


# --- names -----------------------------------------------------------------------------------

from ..vi.names import name_like_runs as _name_candidates  # noqa: E402  (the one name finder)


_WS_RE = re.compile(r"\s+")


def _name_key(s: str) -> str:
    return _WS_RE.sub(" ", fold(s)).strip()


@lru_cache(maxsize=2048)
def _folded_source(src: str) -> tuple[str, str]:
    f = _WS_RE.sub(" ", fold(src))
    return f, strip_marks(f)


def unsupported_names(text: str, sources: Sequence[str]) -> list[str]:
    """Personal-name-like runs of capitalised syllables in `text` that occur in no source,
    comparing under fold() (tone placement, case) and under strip_marks() (English answers
    that drop diacritics)."""
    cands = _name_candidates(text)
    if not cands:
        return []
    folded = [_folded_source(s)[0] for s in sources]
    stripped = [_folded_source(s)[1] for s in sources]
    missing: list[str] = []
    for name in cands:
        key = _name_key(name)
        if any(key in f for f in folded):
            continue
        skey = strip_marks(key)
        if any(skey in s for s in stripped):
            continue
        if name not in missing:
            missing.append(name)
    return missing


def check(text: str, sources: Sequence[str], notation: Notation = "auto") -> Verdict:
    """Numbers and names of `text` against `sources`: ok when nothing is missing."""
    nums = unsupported_numbers(text, sources, notation)
    names = unsupported_names(text, sources)
    return Verdict(ok=not nums and not names, missing_numbers=nums, missing_names=names)
