"""Numbers in Vietnamese (and English) text: find them, parse them, compare them.

Vietnamese notation: '.' groups thousands ("6.059" = 6059) and ',' is the decimal mark
("103,33%" = 103.33 %). English answers use the opposite, so strings of unknown origin are parsed
to every plausible value (`parse_number(raw, "auto")`). Pure Python, regexes compiled at import.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, Field

from toolkit.textnorm import fold

__all__ = [
    "NumberKind",
    "NumberSpan",
    "find_numbers",
    "parse_number",
    "values_in",
    "number_tokens",
    "dates_in",
    "same_value",
]

NumberKind = Literal["number", "percent", "ratio", "date", "year", "code", "ordinal"]
Notation = Literal["vi", "en", "auto"]


class NumberSpan(BaseModel):
    """One number found in a text, with offsets into that text."""

    start: int = Field(description="Start offset of `raw` in the text.")
    end: int = Field(description="End offset (exclusive) of `raw` in the text.")
    raw: str = Field(description="The number exactly as written, e.g. '103,33%', '152/150', '05-CT/TW'.")
    value: float = Field(
        description="Parsed value. ratio: the result (152 of 152/150); date: yyyymmdd (mmdd without a "
        "year); year: the (first) year; code: its leading number; ordinal: the rank."
    )
    unit: str = Field(default="", description="'%' or the noun phrase that follows ('đảng viên', 'lớp'), if obvious.")
    target: float | None = Field(default=None, description="The target of a ratio: 150 of 152/150.")
    kind: NumberKind = "number"
    day: int | None = Field(default=None, description="Dates only.")
    month: int | None = Field(default=None, description="Dates only.")
    year: int | None = Field(default=None, description="Dates (when written) and years.")

    @property
    def is_figure(self) -> bool:
        return self.kind in ("number", "percent", "ratio")


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


# --- finding numbers in Vietnamese text --------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)*"
_NB = r"(?<![\w.,/-])"  # not glued to a word or another number
_NB_GENERAL = r"(?<![\w.,/])"
_NA = r"(?![\w/]|[.,]\d)"

_TIME_RE = re.compile(_NB + r"\d{1,2}[:h]\d{2}(?::\d{2})?(?![\w:])")
_CODE_RE = re.compile(_NB + r"\d+(?:[-/.][0-9A-ZĐ][0-9A-Za-zĐđ]*)*[-/][A-ZĐ][0-9A-Za-zĐđ]*(?:[-/][0-9A-ZĐ][0-9A-Za-zĐđ]*)*")
_DOC_TYPES = (
    r"(?:Quy định|Quyết định|Nghị quyết|Chỉ thị|Kết luận|Thông tri|Hướng dẫn|Công văn|Thông báo|"
    r"Nghị định|Thông tư|Luật|Đề án|Chương trình|Kế hoạch|Điều lệ|Công điện)"
)
# "kỷ luật 57 đảng viên" (discipline) is not "Luật 57" (a law)
_DOC_NUMBER_RE = re.compile(r"(?<![\w])(?<!kỷ )(?<!Kỷ )(?<!KỶ )" + _DOC_TYPES + r"\s+(?:số\s+)?(?P<n>\d+)(?![\w/-]|[.,]\d)", re.IGNORECASE)
_DATE_FULL_RE = re.compile(_NB + r"(?P<d>\d{1,2})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4})" + _NA)
_DATE_WORDS_RE = re.compile(
    r"(?<![\w])(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s*(?:năm|,)\s*(?P<y>\d{4}))?(?![\w])", re.IGNORECASE
)
_DATE_PART_RE = re.compile(_NB + r"(?P<d>\d{1,2})(?P<s>[/-])(?P<m>\d{1,2})(?![\w/-]|[.,]\d)")
_DATE_CONTEXT_RE = re.compile(
    r"(?:ngày|hôm|sáng|chiều|tối|trưa|đêm)\s*(?:\d{1,2}\s*(?:và|,|-|–)\s*)?$", re.IGNORECASE
)
_SLASH_DATE_CONTEXT_RE = re.compile(r"(?:từ|đến|tới|trước|sau)\s*$", re.IGNORECASE)
_PHONE_RE = re.compile(r"(?<![\w.,])0\d{2,3}[. -]?\d{3,4}[. -]?\d{3,4}(?![\w])")
_WEEKDAY_RE = re.compile(r"\s*(?:,\s*)?ngày", re.IGNORECASE)
_YEAR_RANGE_RE = re.compile(_NB + r"(?P<a>(?:19|20)\d{2})\s*[-–—]\s*(?P<b>(?:19|20)\d{2})" + _NA)
_RATIO_RE = re.compile(_NB + r"(?P<a>" + _NUM + r")\s?/\s?(?P<b>" + _NUM + r")" + _NA)
_ORDINAL_RE = re.compile(
    r"(?<![\w])(?P<lead>lần thứ|thứ)\s+(?P<n>\d+|nhất|hai|ba|tư|năm|sáu|bảy|bẩy|tám|chín|mười(?:\s+(?:một|hai|ba|bốn|lăm|năm|sáu|bảy|tám|chín))?)(?![\w])"
    r"|(?<![\w])(?P<lead2>khóa|khoá|Đại hội|đại hội|nhiệm kỳ thứ)\s+(?P<r>[IVXLC]+|\d{1,2})(?![\w])",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(_NB + r"(?P<y>19[4-9]\d|20\d{2})" + _NA)
_YEAR_CONTEXT_RE = re.compile(
    r"(?:năm|nhiệm kỳ|giai đoạn|đến|từ|khóa|khoá|trong|cuối|đầu|sau|trước|year|in|of|since|until)\s*$",
    re.IGNORECASE,
)
_GENERAL_RE = re.compile(
    _NB_GENERAL + r"(?P<n>" + _NUM + r")(?P<glued>km2|m2|m3|km|ha|kg|m)?(?![\w/]|[.,]\d)(?P<pct>\s?%)?(?:\s+(?P<mult>ngàn|nghìn|triệu|tỷ|tỉ)(?![\w]))?"
)  # a metric unit glued to its number ("4.435m" of road) is a unit, never "million"

# Units: known noun phrases (folded), longest first; otherwise one plain lowercase word.
_UNITS = sorted(
    (
        fold(u)
        for u in """đảng viên|đảng viên mới|tổ chức cơ sở đảng|tổ chức đảng|tổ chức cơ sở|tccs đảng|tcc đảng|
        chi bộ|đảng bộ|đảng bộ cơ sở|chi bộ cơ sở|mô hình|lượt|lượt người|lượt cán bộ|lớp|người|hộ|
        tỷ đồng|triệu đồng|nghìn đồng|ngàn đồng|đồng|học viên|cán bộ|cán bộ, đảng viên|tin bài|tin|bài|
        cuộc|văn bản|tổ chức|cơ sở|trường hợp|đơn vị|hội viên|đoàn viên|tập thể|cá nhân|nội dung|
        tiêu chí|xã|phường|ấp|khóm|km|ha|tấn|học sinh|chỉ tiêu|năm|tháng|ngày|tuần|điểm|công trình|
        căn|căn nhà|đồng chí|nhà|hồ sơ|vụ|vụ việc|việc|đơn|đơn thư|phiếu|suất|ý kiến|thành viên|tổ|đợt|buổi|
        hội nghị|chuyên đề|trang|doanh nghiệp|quần chúng|quần chúng ưu tú|đối tượng|gương|
        điển hình|sáng kiến|giải pháp|nhiệm vụ|đề án|nghị quyết|chương trình|kế hoạch|báo cáo|
        lượt đảng viên|lượt tổ chức|tác phẩm|bản|cuốn|thôn|bản|khu phố|huyện|tỉnh|cơ quan|
        chi đoàn|chi hội|gia đình|tập thể, cá nhân|bằng khen|giấy khen|cờ thi đua""".replace("\n", "").split("|")
    ),
    key=lambda u: -len(u.split()),
)
_UNIT_SET = {tuple(u.strip().split()) for u in _UNITS if u.strip()}
_UNIT_STOP = frozenset(
    fold(w)
    for w in """và của đạt trong với so là trên tại được cho ở từ đến này đó có các những hoặc hay
    thì mà nhưng như về theo bằng vào ra lên xuống đã sẽ đang cũng rất hơn gần khoảng tăng giảm
    chiếm trở khóa khoá""".split()
)
_WORD_AFTER_RE = re.compile(r"[ \t]*([^\W\d_]+)")


def _unit_after(text: str, pos: int) -> str:
    words: list[tuple[str, int, int]] = []
    p = pos
    for _ in range(4):
        m = _WORD_AFTER_RE.match(text, p)
        if not m:
            break
        words.append((m.group(1), m.start(1), m.end(1)))
        p = m.end()
    if not words:
        return ""
    folded = [fold(w) for w, _, _ in words]
    for k in (4, 3, 2, 1):
        if len(folded) >= k and tuple(folded[:k]) in _UNIT_SET:
            return text[words[0][1]:words[k - 1][2]]
    first = words[0][0]
    if folded[0] in _UNIT_STOP:
        return ""
    if first.isupper() and len(first) >= 2:  # acronym: "TCCS"
        return first
    if first[0].islower():
        return first
    return ""


def _valid_dm(d: int, m: int) -> bool:
    return 1 <= d <= 31 and 1 <= m <= 12


def find_numbers(text: str) -> list[NumberSpan]:
    """Every number in a Vietnamese text, classified, in text order.

    Times (08:01) are skipped. Dates (19/10/2021, 18-5-2021, ngày 25/5, 20-1, 19 tháng 10 năm 2021)
    are kind 'date'; years and year ranges (2021, 2020-2025) 'year'; document codes (05-CT/TW,
    1415-QĐ/TU, Quy định 4842) 'code'; 'lần thứ 8', 'khóa XIII' 'ordinal'; '152/150' 'ratio'
    (value 152, target 150); '103,33%' 'percent'; the rest 'number' ('6.059' = 6059, '44 ngàn' =
    44000, '04 lớp' = 4).
    """
    taken = bytearray(len(text))
    spans: list[NumberSpan] = []

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    def take(a: int, b: int) -> None:
        taken[a:b] = b"\x01" * (b - a)

    def add(a: int, b: int, value: float, kind: NumberKind, unit: str = "", target: float | None = None, **kw) -> None:
        take(a, b)
        spans.append(NumberSpan(start=a, end=b, raw=text[a:b], value=value, unit=unit, target=target, kind=kind, **kw))

    for m in _TIME_RE.finditer(text):
        take(m.start(), m.end())
    for m in _PHONE_RE.finditer(text):
        if sum(c.isdigit() for c in m.group(0)) >= 9:
            take(m.start(), m.end())
    for m in _DATE_FULL_RE.finditer(text):
        d, mo, y = int(m["d"]), int(m["m"]), int(m["y"])
        if _valid_dm(d, mo) and free(m.start(), m.end()):
            add(m.start(), m.end(), float(y * 10000 + mo * 100 + d), "date", day=d, month=mo, year=y)
    for m in _DATE_WORDS_RE.finditer(text):
        d, mo = int(m["d"]), int(m["m"])
        y = int(m["y"]) if m["y"] else None
        if _valid_dm(d, mo) and free(m.start(), m.end()):
            add(m.start(), m.end(), float((y or 0) * 10000 + mo * 100 + d), "date", day=d, month=mo, year=y)
    for m in _CODE_RE.finditer(text):
        if free(m.start(), m.end()) and any(c.isupper() for c in m.group(0)):
            lead = re.match(r"\d+", m.group(0))
            add(m.start(), m.end(), float(lead.group(0)), "code")
    for m in _DOC_NUMBER_RE.finditer(text):
        a, b = m.start("n"), m.end("n")
        if free(a, b):
            add(a, b, float(m["n"]), "code")
    for m in _ORDINAL_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        tok = m["n"] or m["r"]
        if m["lead"] and m["lead"].lower() == "thứ" and not tok.isdigit():
            if tok[0].isupper() or _WEEKDAY_RE.match(text, m.end()):
                continue  # a weekday: "Thứ Năm, ngày 14 tháng 4"
        vals = parse_number(tok, "vi")
        if not vals and tok.lower() == "nhất":
            vals = {1.0}
        if vals:
            add(m.start(), m.end(), next(iter(vals)), "ordinal")
    for m in _YEAR_RANGE_RE.finditer(text):
        a, b = int(m["a"]), int(m["b"])
        if a < b and free(m.start(), m.end()):
            add(m.start(), m.end(), float(a), "year", year=a)
    for m in _DATE_PART_RE.finditer(text):
        d, mo = int(m["d"]), int(m["m"])
        if not _valid_dm(d, mo) or not free(m.start(), m.end()):
            continue
        after = text[m.end():m.end() + 2].lstrip()
        if after.startswith("%"):
            continue
        before = text[max(0, m.start() - 20):m.start()]
        context = bool(_DATE_CONTEXT_RE.search(before)) or (
            m["s"] == "/" and bool(_SLASH_DATE_CONTEXT_RE.search(before))
        )
        if context or (m["s"] == "-" and not _unit_after(text, m.end())):
            add(m.start(), m.end(), float(mo * 100 + d), "date", day=d, month=mo)
    for m in _RATIO_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        a, b = _parse_vi(m["a"]), _parse_vi(m["b"])
        if a is None or b is None:
            continue
        add(m.start(), m.end(), a, "ratio", unit=_unit_after(text, m.end()), target=b)
    for m in _YEAR_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        y = int(m["y"])
        before = text[max(0, m.start() - 16):m.start()]
        unit = _unit_after(text, m.end())
        if unit and fold(unit) not in ("năm", "tháng", "ngày") and not _YEAR_CONTEXT_RE.search(before):
            continue  # "2036 cuộc": a count, handled below
        add(m.start(), m.end(), float(y), "year", year=y)
    for m in _GENERAL_RE.finditer(text):
        a = m.start()
        b = m.end()
        if not free(a, m.end("n")):
            continue
        v = _parse_vi(m["n"])
        if v is None:
            continue
        if m["glued"]:
            add(a, m.end("n"), _clean(v), "number", unit=m["glued"])
            continue
        if m["pct"]:
            add(a, b, v, "percent", unit="%")
            continue
        if m["mult"]:
            v *= _MULTIPLIERS[m["mult"].lower()]
        add(a, b, _clean(v), "number", unit=_unit_after(text, b))
    spans.sort(key=lambda s: s.start)
    return spans


# --- free text of unknown notation ---------------------------------------------------------------

_CITATION_RE = re.compile(r"\[(?:[^\[\]\n]{0,40}?\d[^\[\]\n]{0,40}?)\]")
_LIST_MARKER_RE = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)]|[-*•])[ \t]+")
_FREE_RE = re.compile(
    r"(?<![\w.,])(?P<n>\d+(?:[.,]\d+)*)(?![.,]\d)(?P<suf>st|nd|rd|th)?(?![\w])(?P<pct>\s?%)?"
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
    clean = _blank(clean, _TIME_RE)
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


_MONTHS_EN = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTHS_EN.update({k[:3]: v for k, v in list(_MONTHS_EN.items())})
_MONTH_NAMES = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_ANSWER_DATE_RES = (
    re.compile(r"(?<![\w.,/-])(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?![\w/]|[.,]\d)"),
    re.compile(r"(?<![\w.,/-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w/]|[.,]\d)"),
    re.compile(r"(?<![\w])(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s*(?:năm|,)\s*(?P<y>\d{4}))?(?![\w])", re.I),
    re.compile(r"(?<![\w])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn>" + _MONTH_NAMES + r")\.?(?:,?\s+(?P<y>\d{4}))?(?![\w])", re.I),
    re.compile(r"(?<![\w])(?P<mn>" + _MONTH_NAMES + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{4}))?(?![\w])", re.I),
)


def dates_in(text: str) -> list[tuple[int, int, str, tuple[int, int, int | None]]]:
    """(start, end, raw, (day, month, year|None)) for every written date in a free text:
    19/10/2021, 19-10-2021, 2021-10-19, 19 tháng 10 năm 2021, 19 October 2021, October 19, 2021."""
    out: list[tuple[int, int, str, tuple[int, int, int | None]]] = []
    taken: list[tuple[int, int]] = []
    for rx in _ANSWER_DATE_RES:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            gd = m.groupdict()
            mo = int(gd["m"]) if gd.get("m") else _MONTHS_EN.get((gd.get("mn") or "").lower().rstrip("."))
            if mo is None:
                continue
            d = int(gd["d"])
            y = int(gd["y"]) if gd.get("y") else None
            if not _valid_dm(d, mo):
                continue
            taken.append((m.start(), m.end()))
            out.append((m.start(), m.end(), m.group(0), (d, mo, y)))
    out.sort()
    return out
