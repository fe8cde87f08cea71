"""Reading written numbers, Vietnamese (and English): one number, and every number of a free text.

Vietnamese notation: '.' groups thousands ("6.059" = 6059) and ',' is the decimal mark
("103,33%" = 103.33 %). English answers use the opposite, so strings of unknown origin are parsed
to every plausible value (`parse_number(raw, "auto")`, `number_tokens`, `values_in`). Finding and
classifying the numbers of an article (dates, codes, ratios, units) is `number_spans.find_numbers`;
free-text dates are `dates.dates_in`. Pure Python, regexes compiled at import.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from .text import fold

__all__ = ["Notation", "parse_number", "same_value", "number_tokens", "values_in", "TIME_RE"]

Notation = Literal["vi", "en", "auto"]

# a clock time (08:01, 8h30): never a figure
TIME_RE = re.compile(r"(?<![\w.,/-])\d{1,2}[:h]\d{2}(?::\d{2})?(?![\w:])")

# --- words -----------------------------------------------------------------------------------

_EN_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}
_EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20,
}
_VI_WORDS = {
    "không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7,
    "bẩy": 7, "tám": 8, "chín": 9, "mười": 10, "nhất": 1, "mươi": 10,
}
_MULTIPLIERS = {
    "ngàn": 1e3, "nghìn": 1e3, "ngan": 1e3, "nghin": 1e3, "thousand": 1e3, "k": 1e3,
    "triệu": 1e6, "trieu": 1e6, "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6,
    "tỷ": 1e9, "tỉ": 1e9, "ty": 1e9, "billion": 1e9, "billions": 1e9, "bn": 1e9,
}
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_RE = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def _roman(s: str) -> int | None:
    if not s or not _ROMAN_RE.match(s):
        return None
    total = 0
    for i, c in enumerate(s):
        v = _ROMAN[c]
        if i + 1 < len(s) and _ROMAN[s[i + 1]] > v:
            total -= v
        else:
            total += v
    return total or None


def _vi_word_number(words: str) -> int | None:
    """'tư' -> 4, 'mười hai' -> 12, 'hai mươi' -> 20, 'hai mươi mốt' -> 21 (small numbers only)."""
    toks = fold(words).split()
    if not toks:
        return None
    if len(toks) == 1:
        return _VI_WORDS.get(toks[0]) if toks[0] != "mươi" else None
    units = {**_VI_WORDS, "mốt": 1, "lăm": 5, "nhăm": 5}
    if toks[0] == "mười" and len(toks) == 2 and toks[1] in units:
        return 10 + units[toks[1]]
    if len(toks) >= 2 and toks[1] == "mươi" and toks[0] in _VI_WORDS:
        base = _VI_WORDS[toks[0]] * 10
        if len(toks) == 2:
            return base
        if len(toks) == 3 and toks[2] in units:
            return base + units[toks[2]]
    return None


# --- parsing ---------------------------------------------------------------------------------

_INT_RE = re.compile(r"\d+")
_VI_THOUSANDS_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_EN_THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_COMMA_DEC_RE = re.compile(r"\d+,\d+")
_DOT_DEC_RE = re.compile(r"\d+\.\d+")


def _parse_vi(s: str) -> float | None:
    if _INT_RE.fullmatch(s):
        return float(s)
    if _VI_THOUSANDS_RE.fullmatch(s):
        return float(s.replace(".", "").replace(",", "."))
    if _COMMA_DEC_RE.fullmatch(s):
        return float(s.replace(",", "."))
    if _DOT_DEC_RE.fullmatch(s):  # a '.' not followed by exactly 3 digits: an English-style decimal
        return float(s)
    if _EN_THOUSANDS_RE.fullmatch(s):  # "1,234,567"
        return float(s.replace(",", ""))
    return None


def _parse_en(s: str) -> float | None:
    if _INT_RE.fullmatch(s):
        return float(s)
    if _EN_THOUSANDS_RE.fullmatch(s):
        return float(s.replace(",", ""))
    if _DOT_DEC_RE.fullmatch(s):
        return float(s)
    return None


_PARSE_SPLIT_RE = re.compile(r"^\s*(?P<num>\d+(?:[.,]\d+)*)\s*(?P<suf>st|nd|rd|th)?\s*(?P<mult>[^\W\d_]+)?\s*%?\s*$")


def parse_number(raw: str, notation: Notation = "vi") -> set[float]:
    """All plausible values of one written number ('vi' / 'en' notation, or 'auto' for both).

    '6.059' vi -> {6059}; '6.059' auto -> {6059, 6.059}; '103,33%' -> {103.33}; '1,2 triệu' ->
    {1200000}; '44 ngàn' -> {44000}; 'twelve' -> {12}; 'hai' -> {2}; 'XIII' -> {13}; '8th' -> {8}.
    Returns an empty set when `raw` is not a number.
    """
    s = raw.strip().strip("()[]")
    if not s:
        return set()
    low = s.lower().rstrip("%").strip()
    if low in _EN_WORDS:
        return {float(_EN_WORDS[low])}
    if low in _EN_ORDINALS:
        return {float(_EN_ORDINALS[low])}
    w = _vi_word_number(low)
    if w is not None and not any(ch.isdigit() for ch in low):
        return {float(w)}
    r = _roman(s)
    if r is not None:
        return {float(r)}
    m = _PARSE_SPLIT_RE.match(s)
    if not m:
        return set()
    num, mult = m.group("num"), m.group("mult")
    factor = 1.0
    if mult:
        f = _MULTIPLIERS.get(mult.lower())
        if f is None:
            return set()
        factor = f
    vals: set[float] = set()
    if notation in ("vi", "auto"):
        v = _parse_vi(num)
        if v is not None:
            vals.add(v * factor)
    if notation in ("en", "auto"):
        v = _parse_en(num)
        if v is not None:
            vals.add(v * factor)
    return {_clean(v) for v in vals}


def _clean(v: float) -> float:
    return float(round(v, 9))


def same_value(a: float, b: float) -> bool:
    """Equal up to float error (relative 1e-9, absolute 1e-6)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)



# --- free text of unknown notation ---------------------------------------------------------------

_CITATION_RE = re.compile(r"\[(?:[^\[\]\n]{0,40}?\d[^\[\]\n]{0,40}?)\]")
_LIST_MARKER_RE = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)]|[-*•])[ \t]+")
_FREE_RE = re.compile(
    r"(?<![\w.,])(?P<n>\d+(?:[.,]\d+)*)(?![.,]\d)(?P<suf>st|nd|rd|th|km2|m2|m3|km|ha|kg|m)?(?![\w])(?P<pct>\s?%)?"
    r"(?:\s+(?P<mult>thousand|million|billion|ngàn|nghìn|triệu|tỷ|tỉ)(?![\w]))?"
    r"|(?<![\w])(?P<w>" + "|".join(k for k in _EN_WORDS if k not in ("zero", "one", "hundred")) + r")(?![\w])",
    re.IGNORECASE,
)


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def number_tokens(text: str, notation: Notation = "auto") -> list[tuple[int, int, str, set[float]]]:
    """(start, end, raw, plausible values) for every number in free text (English or Vietnamese).

    Citation markers ([1], [2, 3], [doc p3]) and list markers at line starts are ignored, as are
    times (08:01). English number words two..twenty count as numbers.
    """
    clean = _blank(text, _CITATION_RE)
    clean = _LIST_MARKER_RE.sub(lambda m: " " * len(m.group(0)), clean)
    clean = _blank(clean, TIME_RE)
    out: list[tuple[int, int, str, set[float]]] = []
    for m in _FREE_RE.finditer(clean):
        if m["w"]:
            out.append((m.start(), m.end(), text[m.start():m.end()], {float(_EN_WORDS[m["w"].lower()])}))
            continue
        vals = parse_number(m["n"], notation)
        if not vals:
            continue
        if m["mult"]:  # "23.300 tỷ" is 23,300 (counted in tỷ) and 23.3 trillion: both readings
            f = _MULTIPLIERS[m["mult"].lower()]
            vals = vals | {_clean(v * f) for v in vals}
        out.append((m.start(), m.end(), text[m.start():m.end()].strip(), vals))
    return out


def values_in(text: str, notation: Notation = "auto") -> list[set[float]]:
    """Plausible values of every number in a free text, in order (see `number_tokens`)."""
    return [vals for _, _, _, vals in number_tokens(text, notation)]



# Metric units written out and abbreviated ("4.435m đường" is "4.435 mét đường"), folded syllables.
_UNIT_WORDS = ((re.compile(r"\b(?:ki lô mét|ki lo met|kilômét|kilomet)\b"), "km"), (re.compile(r"\b(?:héc ta|hécta|hecta)\b"), "ha"),
               (re.compile(r"\b(?:mét vuông)\b"), "m2"), (re.compile(r"\b(?:ki lô gam|kilôgam)\b"), "kg"), (re.compile(r"\bmét\b"), "m"))


def abbreviate_units(folded: str) -> str:
    """Folded text with metric units written as their symbols (mét -> m, héc ta -> ha, ki lô mét -> km)."""
    for pattern, symbol in _UNIT_WORDS:
        folded = pattern.sub(symbol, folded)
    return folded
