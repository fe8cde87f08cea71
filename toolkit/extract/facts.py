"""Record-level facts read by rule: cited documents, awards, the meeting date, province, organisation,
event type and period. Vietnamese knowledge comes from toolkit.vi (codes, dates, events, chrome)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date as Date

from ..schemas import Document, EventType
from ..vi.text import fold
from ..vi import dates, events
from ..vi.chrome import date_marker, dateline
from ..vi.names import has_verb
from ..vi.codes import CODE_RE, DOC_KINDS, NUMBERED_KINDS, normalize_code
from .candidates import AwardCandidate, DateCandidate, DocumentCandidate, content_paragraphs, is_lead_title

# --- documents --------------------------------------------------------------------------------

_DOC_TYPES = DOC_KINDS + NUMBERED_KINDS  # the one list (toolkit/vi/codes.py)
_TYPE_BEFORE_RE = re.compile(r"(" + "|".join(fold(t) for t in _DOC_TYPES) + r")(?:\s+số)?\s*$")
_DATE_AFTER_RE = re.compile(r"^\s*,?\s*(?:ban hành\s+)?ngày\s+(\d{1,2})\s*[-/]\s*(\d{1,2})\s*[-/]\s*(\d{4})")
_ISSUER_AFTER_RE = re.compile(r"^\s*,?\s*của\s+")
_ISSUER_LOWER = {"ủy", "uỷ", "tỉnh", "huyện", "thành", "phố", "bộ", "ương", "vụ", "trị", "hành", "trực", "chính",
                 "đảng", "khối", "quận", "xã", "ban", "chấp", "thường", "nhân", "dân"}


def _issuer_at(text: str, pos: int) -> tuple[str, int] | None:
    """A capitalised organisation name starting at pos ('Bộ Chính trị', 'BCH Đảng bộ tỉnh')."""
    end = pos
    for w in re.finditer(r"\S+", text[pos:]):
        tok = w.group()
        core = tok.rstrip(",;.:)")
        if not core or not (core[0].isupper() or fold(core) in _ISSUER_LOWER):
            break
        if text[pos + w.start() - 1: pos + w.start()] not in (" ", "") and w.start() > 0:
            break
        end = pos + w.start() + len(core)
        if core != tok:
            break
    issuer = text[pos:end].strip()
    return (issuer, end) if issuer else None


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return Date(y, m, d).isoformat()
    except ValueError:
        return None


def document_candidates(doc: Document) -> list[DocumentCandidate]:
    by_code: dict[str, DocumentCandidate] = {}
    for p in content_paragraphs(doc, lead_title=True):
        text, ftext = p.text, fold(p.text)
        for m in CODE_RE.finditer(text):
            code = normalize_code(m.group(0))
            if "/" not in code:
                continue  # "01-KL" alone is too weak to be a cited document
            start, end = m.start(), m.end()
            typ = ""
            tm = _TYPE_BEFORE_RE.search(ftext[max(0, start - 24): start])
            if tm:
                typ_start = max(0, start - 24) + tm.start()
                typ = text[typ_start: typ_start + len(tm.group(1))]
                start = typ_start
            date = None
            dm = _DATE_AFTER_RE.match(text[end:])
            if dm:
                date = _iso(int(dm.group(3)), int(dm.group(2)), int(dm.group(1)))
                end += dm.end()
            issuer = None
            im = _ISSUER_AFTER_RE.match(text[end:])
            found = _issuer_at(text, end + im.end()) if im else None
            if found and len(found[0]) <= 60:
                issuer, end = found
            cand = DocumentCandidate(code=code, type=typ, issuer=issuer, date=date, paragraph_id=p.paragraph_id, quote=text[start:end])
            old = by_code.get(code)
            if old is None or (bool(cand.date) + bool(cand.issuer) + bool(cand.type)) > (bool(old.date) + bool(old.issuer) + bool(old.type)):
                by_code[code] = cand
    return list(by_code.values())


# --- awards -----------------------------------------------------------------------------------

_AWARD_RE = re.compile(r"(Giấy khen|Bằng khen|Cờ [Tt]hi đua|Huân chương [A-ZĐ][^\s,;.]*(?: [A-ZĐ][^\s,;.]*)*(?: hạng \w+)?|Kỷ niệm chương|Huy hiệu \d+ năm tuổi Đảng)")
_RECIPIENT_RE = re.compile(r"^(?:\s+của\s+[^;.,]+?)?\s+(?:cho|tặng)\s+([^;\n]+?)(?=;|\.\s|\.$|\n|$)")


def award_candidates(doc: Document) -> list[AwardCandidate]:
    out: list[AwardCandidate] = []
    for p in content_paragraphs(doc):
        text = p.text
        for m in _AWARD_RE.finditer(text):
            rm = _RECIPIENT_RE.match(text[m.end():])
            if not rm:
                continue
            out.append(AwardCandidate(name=m.group(1), recipients=rm.group(1).strip(), paragraph_id=p.paragraph_id,
                                      quote=text[m.start(): m.end() + rm.end()]))
    return out


# --- date -------------------------------------------------------------------------------------


def _lead_paragraphs(doc: Document, n_body: int = 3) -> list:
    lead = [p for p in doc.paragraphs if is_lead_title(doc, p)]
    return lead + content_paragraphs(doc)[:n_body]


def date_context(doc: Document) -> tuple[list[Date], tuple[int, int] | None]:
    """(every dateline date of the page, the 'date YYYY-MM' marker or None): what a yearless day is read against."""
    datelines = [d.date() for p in doc.paragraphs if (d := dateline(p.text)) is not None]
    if doc.published is not None:
        datelines.append(doc.published.date())
    marker = next((m for p in doc.paragraphs[:4] if (m := date_marker(p.text))), None)
    return datelines, marker


def date_candidate(doc: Document) -> DateCandidate | None:
    """The meeting day (toolkit.vi.dates.meeting_date) from the lead, its year from the datelines, a
    'date YYYY-MM' marker or the period under review."""
    paras = _lead_paragraphs(doc)
    datelines, marker = date_context(doc)
    found = dates.meeting_date([p.text for p in paras], datelines, marker)
    if found is None:
        return None
    return DateCandidate(date=found.date, inferred_year=found.inferred_year, paragraph_id=paras[found.index].paragraph_id,
                         quote=found.quote)


# --- province, organisation, event type, period ----------------------------------------------


def province_of(doc: Document) -> str | None:
    """The province the body names: explicit 'tỉnh X' first (most frequent), else any named one; None if none."""
    from ..vi.places import find_provinces

    explicit: Counter[str] = Counter()
    named: Counter[str] = Counter()
    first: dict[str, int] = {}
    pos = 0
    for p in content_paragraphs(doc, lead_title=True):
        for canon, s, _e in find_provinces(p.text):
            named[canon] += 1
            first.setdefault(canon, pos + s)
            if re.search(r"(?:tỉnh|Tỉnh|thành phố|Thành phố|TP\.?)\s*$", p.text[max(0, s - 12): s]):
                explicit[canon] += 1
        pos += len(p.text) + 1
    pool = explicit or named
    if not pool:
        return None
    return max(pool, key=lambda c: (pool[c], -first[c]))


# A named body: a head noun, then capitalised words, place words and acronyms only (never a verb or a
# number), e.g. "Ban Thường vụ Tỉnh ủy", "Đảng ủy Khối Doanh nghiệp tỉnh Khánh Hòa", "HĐND huyện Yên Định".
_ORG_HEAD_RE = re.compile(
    r"(?:Ban Thường vụ |Thường trực |Ban Chấp hành |BCH )?(?:Đảng [uủ][yỷ]|Đảng bộ|Huyện [uủ][yỷ]|Tỉnh [uủ][yỷ]|"
    r"Thành [uủ][yỷ]|Quận [uủ][yỷ]|Thị [uủ][yỷ]|[UỦ][yỷ] ban Kiểm tra|UBKT|[UỦ][yỷ] ban nhân dân|[UỦ][yỷ] ban|UBND|HĐND|"
    r"Hội đồng nhân dân|Mặt trận|Ban Tổ chức|Ban Tuyên giáo|Ban Dân vận|Ban Nội chính|Văn phòng|Chi bộ|Khối)(?![^\W\d_])")
_ORG_LOWER = {"tỉnh", "huyện", "xã", "thành", "phố", "thị", "trấn", "phường", "quận", "ủy", "bộ", "khối", "doanh", "nghiệp",
              "nhân", "dân", "cơ", "quan", "các", "phòng", "vụ", "trực", "ương", "đồng", "hội", "chấp", "hành"}


def named_body(text: str) -> str | None:
    """The named body text starts with, or None."""
    m = _ORG_HEAD_RE.match(text)
    if not m:
        return None
    end = m.end()
    for w in re.finditer(r"\S+", text[m.end():]):
        tok = w.group()
        core = tok.rstrip(",;:.")
        ok = bool(core) and (core[0].isupper() or fold(core) in _ORG_LOWER or re.fullmatch(r"\([A-ZĐ]+\)|và|-|–", core))
        if not ok or re.search(r"\d", core):
            break
        end = m.end() + w.start() + len(core)
        if core != tok:
            break
    org = text[:end].strip()
    org = re.sub(r"(?:\s+(?:các|cơ quan|và|-|–|\([A-ZĐ]+\)))+$", "", org)
    return org if 2 <= len(org.split()) <= 12 else None


# "X (đã/vừa) tổ chức hội nghị", "X khai mạc kỳ họp": the body that holds the meeting stands before the verb
_HOLDS_RE = re.compile(r"\s*(?:\([^()]{1,40}\)\s*)?(?:(?:đã|vừa|long trọng|chính thức)\s+)*(?:tổ chức|khai mạc|bế mạc|họp|tiến hành)(?![^\W\d_])",
                       re.IGNORECASE)
_COMMITTEE_RE = re.compile(r"^(?:" + "|".join(fold(w) for w in ("Ban Thường vụ", "Thường trực", "Ban Chấp hành", "BCH")) + r")\s+")


# a Party body written in lower case before its place ('đảng bộ xã Nhật Quang đã tổ chức'): still a named body
_LOWER_BODY_RE = re.compile(r"(?<![^\s(,;:])(?:đảng bộ|đảng [uủ][yỷ]|chi bộ)(?= (?:xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh) [A-ZĐ])")
def acting_body(text: str) -> str | None:
    """The named body of text that holds an event: one written right before 'tổ chức', 'khai mạc', 'họp', ...
    (its short name in brackets may stand between: 'Đảng ủy Khối Cơ quan tỉnh (Đảng ủy Khối) tổ chức'); a Party body written in lower case before its place counts ('đảng bộ xã Nhật Quang' -> 'Đảng bộ xã Nhật Quang')."""
    text = _LOWER_BODY_RE.sub(lambda m: m.group(0)[0].upper() + m.group(0)[1:], text)
    for m in _ORG_HEAD_RE.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "("):
            continue  # inside a word, or the short name in brackets after the full one
        org = named_body(text[m.start():])
        if org and _HOLDS_RE.match(text, m.start() + len(org)):
            return org
    return None


def title_body(title: str, lead: str) -> str | None:
    """The body a headline is written under, '<body>: <headline>' ('Khối thi đua các cơ quan Đảng tỉnh: Ký kết giao
    ước thi đua'), when the lead names it again: a head word of a body, then at most 12 words without digits or a
    verb, before the colon."""
    head, colon, _ = title.partition(":")
    head = head.strip()
    if colon and _ORG_HEAD_RE.match(head) and len(head.split()) <= 12 and not re.search(r"\d", head) \
            and not has_verb(head) and fold(head) in fold(lead):
        return head
    return None


def organization_of(doc: Document) -> str | None:
    """The body holding the meeting: the named body the lead says holds it ('Đảng bộ xã X đã tổ chức ...'), unless
    the title names the same body in a longer form ('Đảng ủy Khối các cơ quan tỉnh ...' over '... Đảng ủy Khối tổ chức');
    else the body a headline is written under and the lead names again (title_body), or the named body that opens the title or the lead (after
    its dateline); else the body a later paragraph or caption says held the meeting (a page whose lead was cut); else null."""
    lead_paras = [p.text for p in _lead_paragraphs(doc, n_body=1)]
    starts = []
    for text in [doc.title] + lead_paras:
        lead = re.sub(r"^(?:date\s+\d{4}-\d{2}\s+)?(?:\(?[\w.]{2,20}\)?\s*[-–]\s*)?"
                      r"(?:(?:[Ss]áng|[Cc]hiều|[Tt]ối|[Nn]gày|[Tt]rong|[Vv]ừa qua|[Mm]ới đây)[^,]*,\s*)?", "", text)
        starts.append(named_body(lead))
    starts[0] = title_body(doc.title, " ".join(lead_paras)) or starts[0]
    acting = next((o for t in lead_paras + [doc.title] if (o := acting_body(t))), None)
    short = _COMMITTEE_RE.sub("", fold(acting)) if acting else ""
    if acting and not (starts[0] and short in fold(starts[0]) and len(short) < len(fold(starts[0]))):
        return acting
    return next((o for o in starts if o), None) or \
        next((o for p in content_paragraphs(doc, captions=True)[:4] if (o := acting_body(p.text))), None)


def event_type_of(doc: Document) -> tuple[EventType, bool, list[str]]:
    """(event_type, sure, keywords found) from the title and the lead sentence (toolkit.vi.events).
    No keyword: 'other', unsure."""
    paras = _lead_paragraphs(doc, n_body=1)
    lead = paras[0].text if paras else ""
    first_sentence = re.split(r"(?<=[.!?])\s", lead, maxsplit=1)[0]
    hits = events.matches(doc.title, first_sentence)
    if not hits:
        return "other", False, []
    return hits[0][0], True, [kw for _, kw in hits]  # type: ignore[return-value]


_PERIOD_RES = [
    re.compile(r"(\d{1,2}) tháng (đầu|cuối) năm(?:\s+((?:19|20)\d{2}))?"),
    re.compile(r"quý ([IV]+)\s*(?:-|–|/|năm)\s*((?:19|20)\d{2})", re.I),
    re.compile(r"(?:tổng kết|sơ kết)[^.;]*?năm ((?:19|20)\d{2})"),
]


def period_of(doc: Document, event_year: int | None) -> str | None:
    for text in [doc.title] + [p.text for p in _lead_paragraphs(doc, n_body=1)]:
        m = _PERIOD_RES[0].search(text)
        if m:
            year = m.group(3) or (str(event_year) if event_year else None)
            return f"{int(m.group(1))} tháng {m.group(2)} năm" + (f" {year}" if year else "")
        m = _PERIOD_RES[1].search(text)
        if m:
            return f"quý {m.group(1).upper()}-{m.group(2)}"
        m = _PERIOD_RES[2].search(text)
        if m:
            return f"năm {m.group(1)}"
    return None
