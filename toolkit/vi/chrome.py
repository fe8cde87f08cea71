"""Site chrome of Vietnamese news pages: never body, figures or summary text.

Whole lines (menus, counters, footers, share and print buttons, "Tiếng Việt | English", datelines
with weekday, clock and time zone) and spans inside a line (a weather widget "30°C", "27°C - 33°C",
"(GMT +7)", a clock "12:26", a view counter "7,937 lượt xem" or "04:163670", a leading "date 2022-12"
marker). Patterns are matched on the plain form (lowercase, no diacritics), which keeps offsets.
"""

from __future__ import annotations

import re
from datetime import datetime

from .text import fold, strip_marks

_STRIP = " \t\n\r\f\v\u00a0\u200b\ufeff\u3000"
_BULLET = re.compile(r"^[•·●▪►»\-*+]\s*")


def plain(s: str) -> str:
    """Lowercase, no diacritics, đ->d; length-preserving for NFC text (patterns only)."""
    return strip_marks(fold(s))


_N = r"[\d .,]*"
_CHROME = re.compile(
    r"(?:"
    r"thong ke truy cap.*|(?:dang online|dang truy cap|online|hom nay|hom qua|trong tuan|tuan nay|trong thang|thang nay|nam nay"
    r"|tat ca|tong cong|tong so|tong truy cap|tong luot truy cap|luot truy cap|so luot truy cap|truy cap|khach)\s*:?\s*" + _N +
    r"|(?:so )?luot (?:xem|doc|truy cap)\s*:?\s*" + _N + r"|" + _N + r"\s*luot (?:xem|doc|truy cap|thich|chia se)"
    r"|(?:cac )?tin khac|tin lien quan|bai viet lien quan|tin cung chuyen muc|tin moi(?: nhat)?|tin doc nhieu(?: nhat)?|doc nhieu nhat|xem nhieu nhat"
    r"|van ban moi|van ban chi dao|xem tin theo ngay.*|xem them\s*:?"
    r"|(?:pho )?tong bien tap\s*:.*|toa soan\s*:.*|dia chi(?: toa soan| lien he)?\s*:.*|(?:dien thoai|dt|tel|fax|hotline|duong day nong)\s*:.*|e-?mail\s*:.*"
    r"|(?:giay phep|ban quyen|co quan chu quan|chiu trach nhiem(?: xuat ban| noi dung)?|ghi ro nguon).*|(?:©|\(c\)|copyright).*"
    r"|trang chu|in bai(?: viet| nay)?|in trang|chia se|share|tweet|gui bai|gui email|quay lai|len dau trang|tro ve|binh luan|y kien ban doc|gui y kien|tu khoa\s*:.*|tags?\s*:.*"
    r"|tieng viet\s*\|\s*english|english\s*\|\s*tieng viet|co chu\s*:?.*|font\s*:?.*|[ -]?a\s*[+-]?\s*a\s*[+-]?|\W*"
    r"|date\s+\d{4}-\d{2}(?:-\d{2})?"
    r")"
)
_END_MARKER = re.compile(
    r"(?:cac )?tin khac|tin lien quan|bai viet lien quan|tin cung chuyen muc|tin moi nhat|tin doc nhieu.*|van ban moi|thong ke truy cap.*"
    r"|xem tin theo ngay.*|(?:pho )?tong bien tap\s*:.*|toa soan\s*:.*|binh luan|y kien ban doc|(?:ban quyen|co quan chu quan|giay phep|©|copyright).*"
)
_FOOTER_RE = re.compile(r"(tong bien tap|toa soan|dien thoai|email|giay phep|ban quyen|thong ke truy cap)")


def is_chrome(text: str) -> bool:
    """The whole line is site chrome (menu item, counter, footer, button, language switch)."""
    if len(text) > 160:
        return False
    return bool(_CHROME.fullmatch(plain(_BULLET.sub("", text)).strip(_STRIP)))


def is_end_marker(text: str) -> bool:
    """A line after which the page holds only chrome ('Tin khác', the editorial footer)."""
    return len(text) <= 160 and bool(_END_MARKER.fullmatch(plain(_BULLET.sub("", text)).strip(_STRIP)))


def is_footer(text: str) -> bool:
    """A paragraph that reads like the site's editorial footer (never meeting content)."""
    return bool(_FOOTER_RE.search(plain(text)))


# --- spans inside a line ------------------------------------------------------------------------

_CLOCK_RE = re.compile(r"(?<![\d.,])\d{1,2}\s*[:h]\s*\d{2}(?:\s*:\s*\d{2})?(?:\s*'|\s*(?:am|pm))?(?!\d|[.,]\d)")  # 12:26, 15:42:05
_SPAN_RES = [
    re.compile(r"-?\d{1,2}\s*°\s*[cf]?(?:\s*[-–~]\s*-?\d{1,2}\s*°\s*[cf]?)?"),  # weather: 30°C, 27°C - 33°C
    re.compile(r"[\[(]?\s*(?:gmt|utc)\s*[+-]\s*\d{1,2}(?::?00)?\s*[\])]?"),  # (GMT +7), [GMT+7], UTC+7
    re.compile(r"(?<![\d.,])\d{1,2}:\d{5,}(?!\d)"),  # a clock glued to a view counter: 04:163670
    re.compile(r"\d[\d.,]*\s*luot (?:xem|doc|truy cap|thich|chia se)|luot (?:xem|doc|truy cap)\s*:?\s*\d[\d.,]*"),
    re.compile(r"^\s*date\s+\d{4}-\d{2}(?:-\d{2})?"),  # a leading "date 2022-12" marker
    re.compile(r"tieng viet\s*\|\s*english|english\s*\|\s*tieng viet"),
]


def chrome_spans(text: str, clocks: bool = True) -> list[tuple[int, int]]:
    """Spans of chrome inside a line of text, in order (widgets, clocks, time zones, counters, markers).
    clocks=False leaves clock times alone: in a dateline or a page header 12:26 is chrome, but a
    sentence of the body may state the hour of the meeting ("khai mạc lúc 8h30")."""
    p = plain(text)
    res = _SPAN_RES + [_CLOCK_RE] if clocks else _SPAN_RES
    return sorted({(m.start(), m.end()) for rx in res for m in rx.finditer(p) if m.end() > m.start()})


def in_chrome(text: str, start: int, end: int) -> bool:
    """Does [start, end) of text lie inside a chrome span?"""
    return any(s <= start and end <= e for s, e in chrome_spans(text))


_MARKER_RE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-(\d{2}))?(?!\d)", re.I)


def date_marker(text: str) -> tuple[int, int] | None:
    """(year, month) of a leading 'date 2022-12' marker, or None."""
    m = _MARKER_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(1)), int(m.group(2))


def strip_marker(text: str) -> str:
    """The text without a leading 'date YYYY-MM' marker."""
    m = _MARKER_RE.match(text)
    return text[m.end():].lstrip() if m else text


# --- datelines ---------------------------------------------------------------------------------

_DATELINE_WORDS = re.compile(
    r"thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn|ngay dang|dang ngay|ngay cap nhat|cap nhat(?: luc)?|dang luc|luc|dang|"
    r"thoi gian(?: dang)?|xuat ban|posted|published|updated|gmt|ngay|thang|nam|am|pm|sa|ch"
)
_FULL_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)|(?<!\d)(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})")


def dateline(text: str) -> datetime | None:
    """The date of a dateline line ('Thứ Hai, 21/11/2022, 19:06 [GMT+7]', 'Cập nhật lúc 05:37, Thứ Năm,
    08/04/2021 (GMT+7)', 'Thứ tư - 29/12/2021 04:163670'): a full date with nothing around it but
    weekday, clock, time zone, counters and dateline words. None for any other line."""
    if len(text) > 90:
        return None
    p = plain(text)
    m = _FULL_DATE.search(p)
    if not m:
        return None
    rest = p[:m.start()] + " " + p[m.end():]
    for s, e in reversed(chrome_spans(rest)):
        rest = rest[:s] + " " + rest[e:]
    rest = _DATELINE_WORDS.sub(" ", rest)
    if re.search(r"[^\W\d_]", rest) or re.search(r"\d", rest):
        return None
    try:
        if m.group(1):
            return datetime(int(m.group(4)), int(m.group(3)), int(m.group(1)))
        return datetime(int(m.group(7)), int(m.group(6)), int(m.group(5)))
    except ValueError:
        return None
