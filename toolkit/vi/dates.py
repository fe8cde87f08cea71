"""Vietnamese dates: the one date reader.

Mentions: "Sáng 22-9", "Ngày 9.2", "Chiều 15/2", "ngày 7-1", "Sáng ngày 23/02/2022", "ngày 30 tháng 12 năm
2021", "28-12-2021", "Trong 2 ngày 22 và 23/12" (the first day). A day-month needs a time cue (ngày, sáng,
chiều, tối...) unless it carries a year. A mention is `cited` when it dates a document the article cites
("Nghị quyết số 18-NQ/TW ngày 25/10/2017"), and `status` when it bounds a period ("đến ngày 20-8",
"tính đến ngày"): neither dates the meeting.

The meeting day is the first cued mention of the lead that is neither. Its year, when not written, comes
from the article's datelines (the one closest after the day: a page may carry today's date in its header
and the article's date below), else a "date YYYY-MM" marker, else the period under review ("tổng kết năm
2021, triển khai năm 2022" in January is a 2022 meeting), else it stays unknown (None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date

from .codes import CODE_RE, DOC_KINDS

_CUE = (r"(?P<cue>(?:(?:[Ss]áng|[Cc]hiều|[Tt]ối|[Tt]rưa|[Đđ]êm|[Hh]ôm)(?:\s+(?:nay|qua|hôm nay|hôm qua))?,?(?:\s+(?:ngày|hôm))?"
        r"|[Nn]gày|NGÀY|SÁNG|CHIỀU)\s+)")
_DM = r"(?P<d>\d{1,2})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})(?:\s*(?P=sep)\s*(?P<y>\d{4}))?(?![\d/-]|\.\d)"
_WORDS = r"(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})(?:\s*,?\s+năm\s+(?P<y2>\d{4}))?"
_TWO_DAYS = r"(?P<d3>\d{1,2})\s*(?:và|,|-|–|đến)\s*\d{1,2}\s*(?P<sep3>[-/])\s*(?P<m3>\d{1,2})(?:\s*(?P=sep3)\s*(?P<y3>\d{4}))?(?![\d/-])"
_MENTION_RE = re.compile(r"(?<![^\W\d_])" + _CUE + r"?(?<![\d.,/-])(?:" + _TWO_DAYS + "|" + _WORDS + "|" + _DM + ")", re.U)
_DOC_BEFORE_RE = re.compile(r"(?:" + "|".join(DOC_KINDS) + r"|văn bản|ban hành|ký|số)[^.;,]{0,40}$", re.I)
_AFTER_CODE_RE = re.compile(r"[\s,]*(?:ban hành\s*|ký\s*)?$")
_STATUS_BEFORE_RE = re.compile(r"(?:đến|tới|từ|trước|sau|hết|kể từ|tính đến|đến hết|cho đến)\s*$", re.I)
_YEAR_RE = re.compile(r"(?<![\d.-])((?:19|20)\d{2})(?![\d])")
_RANGE_RE = re.compile(r"(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}")
_REVIEW_RE = re.compile(r"(?:tổng kết|đánh giá|nhìn lại)[^.;]{0,60}?năm\s+((?:19|20)\d{2})", re.I)


@dataclass(frozen=True)
class DateMention:
    day: int
    month: int
    year: int | None
    start: int
    end: int
    raw: str
    cued: bool
    cited: bool = False
    status: bool = False


def mentions(text: str) -> list[DateMention]:
    """Every date mention of text (see the module docstring), in order."""
    out: list[DateMention] = []
    for m in _MENTION_RE.finditer(text):
        g = m.groupdict()
        if g["d3"]:
            d, mo, y = g["d3"], g["m3"], g["y3"]
        elif g["d2"]:
            d, mo, y = g["d2"], g["m2"], g["y2"]
        else:
            d, mo, y = g["d"], g["m"], g["y"]
        cued = bool(g["cue"])
        if not cued and not y:
            continue  # a bare "9.2" or "3/4" is a number or a ratio
        if g.get("sep") == "." and not cued:
            continue
        day, month = int(d), int(mo)
        year = int(y) if y else None
        if not (1 <= day <= 31 and 1 <= month <= 12) or (year is not None and not 1900 <= year <= 2100):
            continue
        before = text[max(0, m.start() - 60):m.start()]
        code = None
        for code in CODE_RE.finditer(before):
            pass
        cited = bool(_DOC_BEFORE_RE.search(before)) or (code is not None and bool(_AFTER_CODE_RE.fullmatch(before[code.end():])))
        status = bool(_STATUS_BEFORE_RE.search(before))
        out.append(DateMention(day, month, year, m.start(), m.end(), m.group(0), cued, cited, status))
    return out


def _valid(y: int, m: int, d: int) -> Date | None:
    try:
        return Date(y, m, d)
    except ValueError:
        return None


def year_from_datelines(day: int, month: int, datelines: list[Date], max_gap_days: int = 120) -> int | None:
    """The year that puts day-month closest before (or on) one of the datelines, within max_gap_days."""
    best: tuple[int, int] | None = None
    for dl in datelines:
        y = dl.year if (month, day) <= (dl.month, dl.day) else dl.year - 1
        d = _valid(y, month, day)
        if d is None:
            continue
        gap = (dl - d).days
        if 0 <= gap <= max_gap_days and (best is None or gap < best[0]):
            best = (gap, y)
    return best[1] if best else None


def year_from_marker(day: int, month: int, marker: tuple[int, int] | None) -> int | None:
    """Year from a 'date YYYY-MM' marker: the marker's year, or the year before for a day after its month."""
    if marker is None:
        return None
    y, m = marker
    return y if month <= m else y - 1


def _years_named(text: str) -> list[int]:
    """Years written in a lead, leaving out ranges ('2020-2025', 'nhiệm kỳ 2021 - 2026') and cited documents'
    dates: what the meeting date may take its year from (the years a question or sentence names are
    toolkit.vi.periods.years_in)."""
    masked = _RANGE_RE.sub(lambda m: " " * len(m.group(0)), text)
    for dm in mentions(text):
        if dm.cited:
            masked = masked[:dm.start] + " " * (dm.end - dm.start) + masked[dm.end:]
    return [int(y) for y in _YEAR_RE.findall(masked)]


def year_from_period(day: int, month: int, text: str) -> int | None:
    """Year of a meeting from the periods its lead names: 'tổng kết năm 2021 và triển khai năm 2022' is a
    meeting early in 2022 or late in 2021; a single year Y under review ('tổng kết năm Y') in Jan-Mar is Y+1."""
    years = sorted(set(_years_named(text)))
    if not years:
        return None
    if len(years) >= 2 and years[-1] - years[-2] == 1:
        return years[-2] if month >= 7 else years[-1]
    if len(years) == 1:
        y = years[0]
        review = _REVIEW_RE.search(text)
        if review and int(review.group(1)) == y and month <= 3:
            return y + 1
        return y
    return None


@dataclass(frozen=True)
class MeetingDate:
    date: Date
    inferred_year: bool
    index: int  # which of the given texts holds it
    quote: str


def date_of(text: str, dm: DateMention, datelines: list[Date], marker: tuple[int, int] | None) -> tuple[Date, bool] | None:
    """(day, year inferred) of a mention of text, its year resolved as the module docstring says; None when unknown."""
    if dm.year is not None:
        d = _valid(dm.year, dm.month, dm.day)
        return (d, False) if d else None
    sentence_end = text.find(".", dm.end)
    lead = text[: sentence_end if sentence_end > 0 else len(text)]
    y = (year_from_datelines(dm.day, dm.month, datelines) or year_from_marker(dm.day, dm.month, marker)
         or year_from_period(dm.day, dm.month, lead))
    d = _valid(y, dm.month, dm.day) if y is not None else None
    return (d, True) if d else None


def meeting_date(texts: list[str], datelines: list[Date], marker: tuple[int, int] | None) -> MeetingDate | None:
    """The day of the meeting from the lead texts (title when it is a lead, first body paragraphs): the first
    cued mention that dates neither a cited document nor the bound of a period. Its year unknown -> None."""
    for i, text in enumerate(texts):
        for dm in mentions(text):
            if not dm.cued or dm.cited or dm.status:
                continue
            found = date_of(text, dm, datelines, marker)
            return MeetingDate(found[0], found[1], i, dm.raw) if found else None
    return None


# --- written dates in free text (answers, summaries) --------------------------------------------------


def valid_day_month(d: int, m: int) -> bool:
    return 1 <= d <= 31 and 1 <= m <= 12


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
            if not valid_day_month(d, mo):
                continue
            taken.append((m.start(), m.end()))
            out.append((m.start(), m.end(), m.group(0), (d, mo, y)))
    out.sort()
    return out
