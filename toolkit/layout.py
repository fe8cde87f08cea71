"""Paragraph layout of a news article: split lines, classify each, find title/dateline/byline.

Every non-empty line is one paragraph (leading/trailing spaces trimmed, offsets exact). Kinds:
title, dateline, body, caption, byline, boilerplate. Site chrome (visitor counters, "Tin khác",
"VĂN BẢN MỚI", "Lượt xem", editorial footers, "Xem tin theo ngày") is boilerplate; everything after
the closing byline is boilerplate; short photo descriptions are captions. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime

from .vi import chrome as vi_chrome
from .vi.chrome import is_chrome, is_end_marker, strip_marker

__all__ = ["classify", "parse_dateline", "parse_byline", "is_chrome", "is_end_marker", "is_caption", "Layout", "Line"]

_STRIP = " \t\n\r\f\v\u00a0\u200b\ufeff\u3000"
_BULLET = re.compile(r"^[•·●▪►»\-*+]\s*")


@lru_cache(maxsize=4096)  # classify asks several times per line; a 100,000-line file must stay fast
def plain(s: str) -> str:
    """Lowercase, no diacritics, đ->d (for matching patterns only; not length-preserving)."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


# --- datelines ------------------------------------------------------------------------------

_PREFIX = r"(?:(?:ngay dang|dang ngay|ngay dang tin|ngay cap nhat|cap nhat|dang luc|dang tai|dang|thoi gian dang|thoi gian|xuat ban|posted|published|updated)\s*:?\s*)?"
_WEEKDAY = r"(?:(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat|cn)\s*[,\-–]?\s*)?"
_DATE_NUM = r"(?:ngay\s+)?(?P<d>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})"
_DATE_WORDS = r"(?:ngay\s+)?(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s*,?\s+nam\s+(?P<y>\d{4})"
_TIME = r"(?:luc\s+)?(?P<H>\d{1,2})\s*(?::|h|g)\s*(?P<M>\d{2})(?:\s*:\s*(?P<S>\d{2}))?(?:\s*(?P<ap>am|pm|sa|ch))?(?:\s*\(?\s*gmt\s*\+\s*0?7(?::00)?\s*\)?)?"
_SEP = r"\s*(?:[,|\-–]\s*)?"
_DATELINES = [
    re.compile(f"{_PREFIX}{_WEEKDAY}{date}(?:{_SEP}{_TIME})?")
    for date in (_DATE_NUM, _DATE_WORDS)
] + [
    re.compile(f"{_PREFIX}{_WEEKDAY}{_TIME}{_SEP}{_WEEKDAY}{date}")
    for date in (_DATE_NUM, _DATE_WORDS)
] + [re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[ t](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:z|[+-]\d{2}:?\d{2})?)?")]


def parse_dateline(line: str) -> datetime | None:
    """Publication time from a dateline such as '08:01, 20/01/2021' or
    'Thứ Năm, ngày 14 tháng 4 năm 2022 - 09:06'. The whole line must be the dateline."""
    p = plain(line).strip(_STRIP + "|.()[]")
    if len(p) > 90:
        return None
    for rx in _DATELINES:
        m = rx.fullmatch(p)
        if not m:
            continue
        g = m.groupdict()
        try:
            hour = int(g.get("H") or 0)
            if g.get("ap") in ("pm", "ch") and hour < 12:
                hour += 12
            if g.get("ap") in ("am", "sa") and hour == 12:
                hour = 0
            return datetime(int(g["y"]), int(g["m"]), int(g["d"]), hour, int(g.get("M") or 0), int(g.get("S") or 0))
        except ValueError:
            return None
    return None


# --- site chrome: toolkit.vi.chrome ------------------------------------------------------------

def _dateline(text: str) -> datetime | None:
    """A line that is a dateline, strict form first, then with weekday, clock, time zone and counters around."""
    return parse_dateline(text) or vi_chrome.dateline(text)


# --- bylines -----------------------------------------------------------------------------------

_OUTLET_WORDS = ("bao ", "dai ", "cong thong tin", "tap chi", "truyen hinh", "thong tan xa", "ttxvn", "vov", "vtv", "trang tin")
_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|gov\.vn|info)(?:/\S*)?", re.I)
_LOWER_IN_OUTLET = {"thông", "tin", "điện", "tử", "tỉnh", "thành", "phố", "huyện", "online", "và", "của", "phát", "thanh", "truyền", "hình", "chí"}
_CREDIT = re.compile(
    r"^(?:tin|bai|tin va anh|bai va anh|tin, anh|bai, anh|tin - anh|bai - anh|tin/anh|bai/anh|tin, bai|tin - bai|nhom pv|pv|ctv|tac gia|nguon)\s*[:\-–]\s*",
)


def looks_like_outlet(s: str) -> bool:
    p = plain(s).strip()
    return p.startswith(_OUTLET_WORDS) or bool(_DOMAIN.fullmatch(s.strip()))


def outlet_case(s: str) -> str:
    """'BÁO NAM ĐỊNH ĐIỆN TỬ' -> 'Báo Nam Định điện tử'; mixed-case or domains are kept as written."""
    s = s.strip(_STRIP + " -–|,.")
    if s != s.upper() or _DOMAIN.fullmatch(s):
        return s
    words = s.lower().split()
    out = [w.capitalize() if i == 0 or w not in _LOWER_IN_OUTLET else w for i, w in enumerate(words)]
    return " ".join(out)


def valid_name(s: str) -> bool:
    """A Vietnamese personal name (or several joined by ',', '-', 'và'): 2-5 capitalised words each."""
    s = s.strip(_STRIP)
    if not s or len(s) > 60 or any(ch.isdigit() for ch in s):
        return False
    for part in re.split(r"\s*(?:,|\s-\s|–| và )\s*", s):
        words = part.split()
        if not 2 <= len(words) <= 5:
            return False
        if not all(w[0].isupper() and w.replace(".", "").isalpha() for w in words):
            return False
        if plain(part).startswith(_OUTLET_WORDS) or plain(words[0]) in {"cac", "theo", "tin", "bai"}:
            return False
    return True


def name_case(s: str) -> str:
    s = s.strip(_STRIP + " -–|,.")
    return s.title() if s == s.upper() else s


def _split_name_outlet(rest: str) -> tuple[str | None, str | None]:
    """'Khánh Vân/baotuyenquang.com.vn' -> (Khánh Vân, baotuyenquang.com.vn); 'Đào Đức' -> (Đào Đức, None)."""
    rest = rest.strip(_STRIP + " .")
    m = re.fullmatch(r"(?P<a>[^/()|]+?)\s*(?:/|\||\(|\s[-–]\s)\s*(?P<b>[^()]+?)\)?", rest)
    if m and (valid_name(m["a"]) or looks_like_outlet(m["b"])):
        a, b = m["a"].strip(), m["b"].strip()
        author = name_case(a) if valid_name(a) else None
        if looks_like_outlet(b) or not valid_name(b):
            return author, outlet_case(b)
        return (f"{author}, {name_case(b)}" if author else name_case(b)), None
    if valid_name(rest):
        return name_case(rest), None
    if looks_like_outlet(rest):
        return None, outlet_case(rest)
    return None, None


def parse_byline(text: str, allow_bare_name: bool = True) -> tuple[str | None, str | None] | None:
    """(author, outlet) when the line is a byline, else None."""
    t = text.strip(_STRIP)
    if len(t) > 90 or not t:
        return None
    p = plain(t)
    m = _CREDIT.match(p)
    if m:
        # map the prefix length back: count words/punct consumed in the plain string on the original
        rest = t[len(p[: m.end()]):] if len(p) == len(t) else re.sub(r"^[^:\-–]*[:\-–]\s*", "", t, count=1)
        author, outlet = _split_name_outlet(rest)
        return (author, outlet) if (author or outlet) else None
    if p.startswith("theo "):
        author, outlet = _split_name_outlet(t[5:])
        return (author, outlet) if (author or outlet) else None
    # "Thanh TuấnBÁO NAM ĐỊNH ĐIỆN TỬ": a name glued to an upper-case outlet
    for i in range(1, len(t)):
        tail = t[i:].strip(_STRIP + " -–|")
        if tail and tail == tail.upper() and plain(tail).startswith(_OUTLET_WORDS) and any(c.isalpha() for c in tail):
            head = t[:i].rstrip(_STRIP + " -–|,")
            if valid_name(head):
                return name_case(head), outlet_case(tail)
            break
    if allow_bare_name and valid_name(t) and not t.endswith("."):
        return name_case(t), None
    if t == t.upper() and looks_like_outlet(t):
        return None, outlet_case(t)
    return None


def outlet_from_footer(text: str) -> str | None:
    t = _BULLET.sub("", text.strip(_STRIP))
    p = plain(t)
    m = re.match(r"(?:©|\(c\)|copyright|ban quyen(?: thuoc)?(?: ve)?)\s*(?:\d{4}\s*)?(?:[-–:]\s*)?(?:by\s+)?", p)
    if m and len(p) == len(t):
        rest = t[m.end():].strip(_STRIP + " .")
        if looks_like_outlet(rest):
            return outlet_case(re.split(r"\s*[.;|]\s", rest)[0])
    if t == t.upper() and len(t) <= 80 and looks_like_outlet(t) and not any(c.isdigit() for c in t):
        return outlet_case(t)
    return None


# --- captions ----------------------------------------------------------------------------------

_STRONG_CAPTION = re.compile(r"(?:quang canh|toan canh|anh\s*:|anh minh hoa|\(anh)")
_CAPTION_CUE = re.compile(
    r"\b(?:phat bieu|trao|tang (?:qua|hoa|bang|giay|co|ky niem|hoa)|du (?:hoi nghi|buoi|le|dai hoi|lop|hoi thao)|cac dai bieu|dai bieu du"
    r"|chup anh|chup hinh|tham quan|quang canh|toan canh|tai hoi nghi|tai buoi|tai le|ket luan hoi nghi|chi dao hoi nghi)\b"
)
_DATE_LEAD = re.compile(
    r"(?:ngay|sang|chieu|toi|trua|dem|hom nay|hom qua|vua qua|moi day|nhan dip|dip nay|cung dip|trong (?:nam|thang|quy|dip|nhiem ky|\d)"
    r"|nam \d{4}|quy [ivx\d]|thang \d|tu ngay|den nay|ngoai ra|dong thoi|theo do|qua do|tiep do|sau do|ket qua|tinh den|hien nay)\b"
)
_HAS_DATE = re.compile(r"\b\d{1,2}\s*[/\-]\s*\d{1,2}\b")
_NON_YEAR_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENT_END = ".!?…"


def is_caption(text: str, is_lead: bool) -> bool:
    """A short description of a photo, e.g. 'Các đại biểu dự Hội nghị.' or
    'Phó Bí thư Tỉnh ủy X phát biểu tại buổi làm việc'."""
    t = text.strip(_STRIP)
    p = plain(t)
    n = len(t)
    if n > 200:
        return False
    if _STRONG_CAPTION.match(p):
        return True
    if n > 160 or is_lead or _DATE_LEAD.match(p) or _HAS_DATE.search(p):
        return False
    if re.search(r"[.!?…]\s+\S", t.rstrip(_SENT_END + " ")):  # more than one sentence
        return False
    if any(not re.fullmatch(r"(?:19|20)\d\d", n) for n in _NON_YEAR_NUMBER.findall(t)):
        return False  # counts and figures belong to the report, not to a photo
    if _CAPTION_CUE.search(p):
        return True
    return t[-1] not in _SENT_END + ":;," and n <= 100 and t[0].isupper()


# --- the classifier ----------------------------------------------------------------------------


@dataclass
class Line:
    no: int
    start: int
    end: int
    text: str
    hint: str | None
    adjacent_prev: bool  # the raw line just above is non-empty (no blank line between)
    kind: str | None = None


@dataclass
class Layout:
    lines: list[Line]
    title: str
    published: datetime | None = None
    author: str | None = None
    outlet: str | None = None


def split_lines(text: str, hints: dict[int, str] | None = None) -> list[Line]:
    hints = hints or {}
    out: list[Line] = []
    pos = 0
    prev_nonempty = False
    for no, raw in enumerate(text.split("\n")):
        lstrip = len(raw) - len(raw.lstrip(_STRIP))
        content = raw.strip(_STRIP)
        if content:
            s = pos + lstrip
            out.append(Line(no, s, s + len(content), content, hints.get(no), prev_nonempty))
        prev_nonempty = bool(content)
        pos += len(raw) + 1
    return out


def _body_like(t: str) -> bool:
    return len(t) >= 160 or (len(t) >= 80 and t[-1] in _SENT_END)


def classify(text: str, hints: dict[int, str] | None = None) -> Layout:
    lines = split_lines(text, hints)
    if not lines:
        return Layout(lines=[], title="")
    lay = Layout(lines=lines, title="")

    # 1. title: an explicit hint, else the first line that is neither chrome nor a dateline
    ti = next((i for i, ln in enumerate(lines) if ln.hint == "title"), None)
    if ti is None:
        ti = next((i for i, ln in enumerate(lines) if ln.hint != "chrome" and not is_chrome(ln.text) and _dateline(ln.text) is None), 0)
    header_date = None  # a dateline above the title is often the site's "today", not the article's date
    for ln in lines[:ti]:
        if (d := _dateline(ln.text)) is not None:
            ln.kind = "dateline"
            header_date = header_date or d
        else:
            ln.kind = "boilerplate"
    if len(lines[ti].text) <= 300:
        lines[ti].kind = "title"
        lay.title = strip_marker(lines[ti].text)
    else:  # no headline: the first line is the lead
        cut = lines[ti].text[:120]
        lay.title = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"

    # 2. chrome, datelines, and where the chrome-only tail starts
    end_at = len(lines)
    seen_body = False
    for i in range(ti + 1, len(lines)):
        ln = lines[i]
        if ln.hint == "chrome" or is_chrome(ln.text):
            ln.kind = "boilerplate"
            if seen_body and end_at == len(lines) and is_end_marker(ln.text):
                end_at = i
            continue
        if (d := _dateline(ln.text)) is not None:
            ln.kind = "dateline"
            lay.published = lay.published or d
            continue
        if _body_like(ln.text):
            seen_body = True
    for ln in lines[end_at:]:
        ln.kind = "boilerplate"
    lay.published = lay.published or header_date
    open_idx = [i for i in range(ti + 1, end_at) if lines[i].kind is None]

    # 3. byline: in the tail after the last body-like paragraph, before the chrome tail
    last_body = max((i for i in open_idx if _body_like(lines[i].text)), default=None)
    byline_at = None
    if last_body is not None:
        tail = [i for i in open_idx if i > last_body]
        for bare in (False, True):
            for i in tail:
                ln = lines[i]
                got = parse_byline(ln.text, allow_bare_name=bare or ln.hint == "byline")
                if got:
                    byline_at = i
                    lay.author, lay.outlet = got
                    break
                if bare:
                    break  # a bare name must be the first line after the body
            if byline_at is not None:
                break
    if byline_at is not None:
        lines[byline_at].kind = "byline"
        for ln in lines[byline_at + 1:]:
            if ln.kind != "dateline":
                ln.kind = "boilerplate"
    else:  # a byline at the top ("Bài, ảnh: X" under the headline) marks only itself
        for i in open_idx:
            got = parse_byline(lines[i].text, allow_bare_name=lines[i].hint == "byline")
            if got and (lines[i].hint == "byline" or _CREDIT.match(plain(lines[i].text)) or plain(lines[i].text).startswith("theo ")):
                lines[i].kind = "byline"
                lay.author, lay.outlet = got
                break

    # 4. captions and body
    first = True
    prev: Line | None = None
    for i in range(ti + 1, len(lines)):
        ln = lines[i]
        if ln.kind is not None:
            prev = ln
            continue
        if ln.hint == "caption" or is_caption(ln.text, is_lead=first):
            ln.kind = "caption"
        elif prev is not None and prev.kind == "caption" and ln.adjacent_prev and ln.text[0].islower() and len(ln.text) <= 160:
            ln.kind = "caption"  # a caption broken over two lines
        else:
            ln.kind = "body"
        first = False
        prev = ln

    # 5. outlet from the footer when the byline did not give one
    if lay.outlet is None:
        for ln in lines:
            if ln.kind == "boilerplate" and (o := outlet_from_footer(ln.text)):
                lay.outlet = o
                break
    return lay
