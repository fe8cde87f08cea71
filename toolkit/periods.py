"""Periods as reports name them: find them in text, and read them into comparable keys.

"năm 2022" -> (2022, "year"), "6 tháng đầu năm 2022" -> (2022, "m6"), "quý II/2023" -> (2023, "q2"),
"the first half of 2021" -> (2021, "m6"), "nhiệm kỳ 2020-2025" -> (2020, "term2025").
Facts of how Vietnamese (and English) reports write a period; used by follow-up questions
(toolkit/conversation.py) and the targets timeline (toolkit/targets.py).
"""

from __future__ import annotations

import re

from .textnorm import fold, strip_marks

_Y = r"(?:19|20)\d{2}"
PERIOD_RE = re.compile(
    rf"(?:\d{{1,2}}|sáu|chín|mười)\s+tháng\s+(?:đầu|cuối)\s+năm(?:\s+{_Y})?"
    rf"|quý\s+(?:IV|I{{1,3}}|[1-4])(?:\s*(?:/|-|–|năm)\s*{_Y})?"
    rf"|(?:nhiệm\s+kỳ|giai\s+đoạn)\s+{_Y}\s*[-–]\s*{_Y}"
    rf"|(?:the\s+)?(?:first|last)\s+(?:half|six\s+months|nine\s+months|\d{{1,2}}\s+months)(?:\s+of\s+(?:the\s+year\s+)?{_Y})?"
    rf"|(?:the\s+)?(?:first|second|third|fourth)\s+quarter(?:\s+of\s+{_Y})?|Q[1-4][\s/-]*{_Y}"
    rf"|(?:the\s+)?{_Y}\s*[-–]\s*{_Y}\s+term"
    rf"|năm\s+{_Y}|(?<![\d/.,-]){_Y}(?![\d])",
    re.IGNORECASE,
)

_WORD_NUM = {"sau": 6, "chin": 9, "muoi": 10, "six": 6, "nine": 9}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4}

PeriodKey = tuple[int, str]


def find_periods(text: str) -> list[tuple[str, int, int]]:
    """Every period phrase in text: (phrase, start, end)."""
    return [(m.group(0), m.start(), m.end()) for m in PERIOD_RE.finditer(text or "")]


def period_key(text: str | None) -> PeriodKey | None:
    """The (year, part) a period phrase names; part is 'year', 'm6' (first 6 months), 'q2',
    'term2025'; None when no year is written."""
    if not text:
        return None
    p = strip_marks(fold(text))
    if m := re.search(rf"(?:nhiem ky|giai doan)?\s*({_Y})\s*[-–]\s*({_Y})", p):
        return int(m.group(1)), f"term{m.group(2)}"
    years = re.findall(rf"(?<!\d){_Y}(?!\d)", p)
    if not years:
        return None
    year = int(years[-1])
    if m := re.search(r"\b(\d{1,2}|sau|chin|muoi|six|nine)\s+(?:thang|months)\b", p):
        n = int(m.group(1)) if m.group(1).isdigit() else _WORD_NUM[m.group(1)]
        if "cuoi" in p or "last" in p:
            return year, f"last{n}"
        return year, ("year" if n == 12 else f"m{n}")
    if re.search(r"\b(?:first half|nua dau nam)\b", p):
        return year, "m6"
    if m := re.search(r"\bquy\s+(iv|i{1,3}|[1-4])\b", p):
        q = m.group(1)
        return year, f"q{int(q) if q.isdigit() else _ROMAN[q]}"
    if m := re.search(r"\b(first|second|third|fourth) quarter\b|\bq([1-4])\b", p):
        return year, f"q{_ORD[m.group(1)] if m.group(1) else int(m.group(2))}"
    return year, "year"


def within(inner: PeriodKey, outer: PeriodKey) -> bool:
    """inner lies inside outer (the first 6 months of 2022 inside the year 2022)."""
    if inner == outer:
        return True
    return inner[0] == outer[0] and outer[1] == "year" and not inner[1].startswith("term")


def period_label(key: PeriodKey | None, lang: str = "vi") -> str:
    """A readable period: (2022, 'm6') -> '6 tháng đầu năm 2022' / 'first 6 months of 2022'."""
    if key is None:
        return "(chưa rõ kỳ)" if lang == "vi" else "(period not stated)"
    year, part = key
    if part == "year":
        return f"năm {year}" if lang == "vi" else str(year)
    if part.startswith("term"):
        return f"nhiệm kỳ {year}-{part[4:]}" if lang == "vi" else f"{year}-{part[4:]} term"
    if part.startswith("q"):
        roman = {v: k.upper() for k, v in _ROMAN.items()}[int(part[1:])]
        return f"quý {roman}/{year}" if lang == "vi" else f"Q{part[1:]} {year}"
    if part.startswith("last"):
        return f"{part[4:]} tháng cuối năm {year}" if lang == "vi" else f"last {part[4:]} months of {year}"
    return f"{part[1:]} tháng đầu năm {year}" if lang == "vi" else f"first {part[1:]} months of {year}"
