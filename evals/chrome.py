"""The harness's own definition of a site-chrome line, and of a figure taken from chrome (pure).

The scorer does not ask the toolkit's layout (toolkit/layout.py) what is chrome: a figure that the
layout wrongly kept as body must still count as a chrome figure here. So this module states what a
chrome line of a scraped Vietnamese news page is, as facts of the genre, and nothing else.

A **line** is a maximal run of text between newlines of the document's original text. It is a
**chrome line** when, after NFC, it

1. shows a temperature: a number followed by a degree sign (`30°C`, `27°C - 33°C`, `31 °`);
2. names a time zone: `GMT` or `UTC` followed by a sign or digit (`(GMT +7)`, `[GMT+7]`);
3. is a counter: it contains `lượt xem`, `lượt đọc`, `lượt truy cập`, `lượt thích`, `lượt chia sẻ`,
   `đang truy cập`, `đang online` or `views`;
4. (not a line rule) the marker ` date YYYY-MM` at the start of a line is chrome itself, while
   the text after it on the same line stays body;
5. is a timestamp or counter line: once weekday / date words (thứ, chủ nhật, ngày, cập nhật, lúc,
   đăng, am, pm, hai … bảy, năm) are removed, no letter is left (`Thứ 4, 23/11/2022 | 15:42:05`,
   `09:01, 07/01/2022`, `04:163670`);
6. is a widget: at most 8 words and it contains `|` (`Tiếng Việt | English`, `Long An|`, a breadcrumb),
   or it is one of the buttons `in bài này`, `in bài`, `chia sẻ`, `share`, `cỡ chữ`, `a- a+`,
   `gửi email`, `bình luận`, `trở về`, `về đầu trang` (alone on the line, trailing punctuation ignored).

The **chrome spans** of a text are its chrome lines and its date markers. A figure is **from
chrome** when its evidence quote is not a substring of the document text, or when every occurrence
of the quote in the text puts the figure's `raw` (its first occurrence inside the quote, else the
start of the quote) inside a chrome span.
"""

from __future__ import annotations

import re
import unicodedata

_DEGREE = re.compile(r"\d\s*°")
_TZ = re.compile(r"\b(?:GMT|UTC)\s*[+\-−]?\s*\d|\b(?:GMT|UTC)\s*[+\-−]", re.IGNORECASE)
_COUNTER = re.compile(r"lượt\s+(?:xem|đọc|truy\s+cập|thích|chia\s+sẻ)|đang\s+(?:truy\s+cập|online)|\bviews?\b", re.IGNORECASE)
_DATE_MARKER = re.compile(r"^\s*date\s+\d{4}-\d{1,2}\b", re.IGNORECASE)
_TIME_WORDS = re.compile(r"\b(?:thứ|chủ|nhật|ngày|cập|lúc|đăng|am|pm|hai|ba|tư|năm|sáu|bảy|bẩy|cn)\b", re.IGNORECASE)
_BUTTONS = {"in bài này", "in bài", "chia sẻ", "share", "cỡ chữ", "a- a+", "a - a +", "gửi email", "bình luận", "trở về", "về đầu trang"}
_LETTER = re.compile(r"[^\W\d_]")


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s or "")


def is_chrome_line(line: str) -> bool:
    """The rules 1-6 of the module docstring."""
    s = _nfc(line).strip()
    if not s:
        return False
    if _DEGREE.search(s) or _TZ.search(s) or _COUNTER.search(s):
        return True
    if not _LETTER.search(_TIME_WORDS.sub(" ", s)):
        return True
    if "|" in s and len(s.split()) <= 8:
        return True
    return s.casefold().rstrip(" .:!") in _BUTTONS


def chrome_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every chrome line and every date marker of text (NFC)."""
    text = _nfc(text)
    spans, pos = [], 0
    for line in text.split("\n"):
        if is_chrome_line(line):
            spans.append((pos, pos + len(line)))
        else:
            m = _DATE_MARKER.match(line)
            if m:
                spans.append((pos, pos + m.end()))
        pos += len(line) + 1
    return spans


def figure_from_chrome(figure: dict, doc_text: str) -> bool:
    """The definition in the module docstring, for one figure dict (Figure.model_dump)."""
    text = _nfc(doc_text)
    quote = _nfc((figure.get("evidence") or {}).get("quote", ""))
    if not quote or quote not in text:
        return True
    raw = _nfc(figure.get("raw", ""))
    offset = quote.find(raw) if raw and raw in quote else 0
    spans = chrome_spans(text)
    pos = text.find(quote)
    while pos >= 0:
        at = pos + offset
        if not any(a <= at < b for a, b in spans):
            return False
        pos = text.find(quote, pos + 1)
    return True
