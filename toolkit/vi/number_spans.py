"""Every number of a Vietnamese text, found and classified: figures (with their unit), percents,
ratios, dates, years, document codes and ordinals (`find_numbers` -> NumberSpan). Reading one written
number is `numbers.parse_number`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from .text import fold
from .codes import find_doc_numbers
from .dates import mentions as date_mentions, valid_day_month
from .numbers import _MULTIPLIERS, TIME_RE, _clean, _parse_vi, parse_number

__all__ = ["NumberKind", "NumberSpan", "find_numbers"]

NumberKind = Literal["number", "percent", "ratio", "date", "year", "code", "ordinal"]


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


# --- finding numbers in Vietnamese text --------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)*"
_NB = r"(?<![\w.,/-])"  # not glued to a word or another number
_NB_GENERAL = r"(?<![\w.,/])"
_NA = r"(?![\w/]|[.,]\d)"

_CODE_RE = re.compile(_NB + r"\d+(?:[-/.][0-9A-ZĐ][0-9A-Za-zĐđ]*)*[-/][A-ZĐ][0-9A-Za-zĐđ]*(?:[-/][0-9A-ZĐ][0-9A-Za-zĐđ]*)*")
_DATE_FULL_RE = re.compile(_NB + r"(?P<d>\d{1,2})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4})" + _NA)
_DATE_WORDS_RE = re.compile(
    r"(?<![\w])(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})(?:\s*(?:năm|,)\s*(?P<y>\d{4}))?(?![\w])", re.IGNORECASE
)
_DATE_PART_RE = re.compile(_NB + r"(?P<d>\d{1,2})(?P<s>[/-])(?P<m>\d{1,2})(?![\w/-]|[.,]\d)")
_DATE_CONTEXT_RE = re.compile(
    r"(?:ngày|hôm|sáng|chiều|tối|trưa|đêm)\s*(?:\d{1,2}\s*(?:và|,|-|–)\s*)?$", re.IGNORECASE
)
_SLASH_DATE_CONTEXT_RE = re.compile(r"(?:từ|đến|tới|trước|sau)\s*$", re.IGNORECASE)
_MONTH_YEAR_RE = re.compile(r"(?<![\w])tháng\s+(?P<m>\d{1,2})\s*[/-]\s*(?P<y>(?:19|20)\d{2})(?![\w/]|[.,]\d)", re.IGNORECASE)
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
        chi đoàn|chi hội|gia đình|tập thể, cá nhân|bằng khen|giấy khen|cờ thi đua|vấn đề|lĩnh vực|dự án|
        hạng mục|bí thư|thôn trưởng|lao động|việc làm|ngành|xã viên|hợp tác xã|tổ hợp tác|ủy viên|uỷ viên""".replace("\n", "").split("|")
    ),
    key=lambda u: -len(u.split()),
)
_UNIT_SET = {tuple(u.strip().split()) for u in _UNITS if u.strip()}
_UNIT_MAX = max(len(u) for u in _UNIT_SET)
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
    for _ in range(_UNIT_MAX):
        m = _WORD_AFTER_RE.match(text, p)
        if not m:
            break
        words.append((m.group(1), m.start(1), m.end(1)))
        p = m.end()
    if not words:
        return ""
    folded = [fold(w) for w, _, _ in words]
    for k in range(_UNIT_MAX, 0, -1):
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

    for m in TIME_RE.finditer(text):
        take(m.start(), m.end())
    for m in _PHONE_RE.finditer(text):
        if sum(c.isdigit() for c in m.group(0)) >= 9:
            take(m.start(), m.end())
    for m in _DATE_FULL_RE.finditer(text):
        d, mo, y = int(m["d"]), int(m["m"]), int(m["y"])
        if valid_day_month(d, mo) and free(m.start(), m.end()):
            add(m.start(), m.end(), float(y * 10000 + mo * 100 + d), "date", day=d, month=mo, year=y)
    for m in _DATE_WORDS_RE.finditer(text):
        d, mo = int(m["d"]), int(m["m"])
        y = int(m["y"]) if m["y"] else None
        if valid_day_month(d, mo) and free(m.start(), m.end()):
            add(m.start(), m.end(), float((y or 0) * 10000 + mo * 100 + d), "date", day=d, month=mo, year=y)
    for m in _CODE_RE.finditer(text):
        if free(m.start(), m.end()) and any(c.isupper() for c in m.group(0)):
            lead = re.match(r"\d+", m.group(0))
            add(m.start(), m.end(), float(lead.group(0)), "code")
    for _, a, b, _kind in find_doc_numbers(text):
        if free(a, b):
            add(a, b, float(text[a:b]), "code")
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
        if not valid_day_month(d, mo) or not free(m.start(), m.end()):
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
    for dm in date_mentions(text):  # the one date reader's cued mentions ("Ngày 9.2", "Sáng 14.10")
        a = dm.start + next((i for i, ch in enumerate(dm.raw) if ch.isdigit()), 0)
        if free(a, dm.end):
            add(a, dm.end, float((dm.year or 0) * 10000 + dm.month * 100 + dm.day), "date", day=dm.day, month=dm.month, year=dm.year)
    for m in _MONTH_YEAR_RE.finditer(text):  # "tháng 10/2021": a month of a year, not a ratio
        if int(m["m"]) <= 12 and free(m.start("m"), m.end()):
            add(m.start("m"), m.end(), float(int(m["y"]) * 10000 + int(m["m"]) * 100), "date", month=int(m["m"]), year=int(m["y"]))
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

