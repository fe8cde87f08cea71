"""Deterministic candidates for a record, read from the source text only.

Numbers, names, titles, dates, document codes and awards come from here, never from a model:
the model only labels these candidates (toolkit.extract). Each candidate carries the paragraph
id and the exact quote (clause or mention) its evidence will be built from.

Sources: body paragraphs for everything; captions too for people (photo captions name the
officials at the meeting); the byline only for authors. Footers and site boilerplate are never read.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date as Date
from typing import Iterable

from pydantic import BaseModel, Field

from .schemas import Document, EventType, FigureKind, Paragraph, Role
from .textnorm import clause_spans, fold, sentence_spans

# --- candidate objects ------------------------------------------------------------------------


class FigureCandidate(BaseModel):
    id: str
    paragraph_id: str
    raw: str = Field(description="The number as written.")
    value: float
    unit: str = ""
    target: float | None = None
    quote: str = Field(description="The clause containing the number (exact substring of the paragraph).")
    default_label: str
    default_kind: FigureKind


class PersonCandidate(BaseModel):
    id: str
    name: str
    title: str = ""
    paragraph_id: str
    quote: str = Field(description="The mention: name and title as written.")
    default_role: Role = "attendee"
    cued_roles: list[Role] = Field(default_factory=list, description="Roles whose cue words stand in a sentence naming the person: the only roles the model may pick besides attendee.")
    mentions: int = 1


class DocumentCandidate(BaseModel):
    code: str
    type: str = ""
    issuer: str | None = None
    date: str | None = None
    paragraph_id: str
    quote: str


class AwardCandidate(BaseModel):
    name: str
    recipients: str = ""
    paragraph_id: str
    quote: str


class DateCandidate(BaseModel):
    date: Date
    inferred_year: bool
    paragraph_id: str
    quote: str


class Candidates(BaseModel):
    figures: list[FigureCandidate] = Field(default_factory=list)
    people: list[PersonCandidate] = Field(default_factory=list)
    documents: list[DocumentCandidate] = Field(default_factory=list)
    awards: list[AwardCandidate] = Field(default_factory=list)
    date: DateCandidate | None = None
    province: str | None = None
    organization: str | None = None
    event_type: EventType = "other"
    event_type_sure: bool = False
    event_hints: list[str] = Field(default_factory=list)
    period: str | None = None


# --- helpers ----------------------------------------------------------------------------------

_FOOTER_RE = re.compile(r"(tổng biên tập|tòa soạn|toà soạn|điện thoại|email|giấy phép|bản quyền|thống kê truy cập)", re.I)


def content_paragraphs(doc: Document, captions: bool = False) -> list[Paragraph]:
    """Body paragraphs (and captions when asked), minus anything that reads like a site footer."""
    kinds = {"body", "caption"} if captions else {"body"}
    return [p for p in doc.paragraphs if p.kind in kinds and not _FOOTER_RE.search(p.text)]


def _span_containing(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    for s, e in spans:
        if s <= start and end <= e:
            return s, e
    for s, e in spans:  # a number cut by a clause boundary: widen to the enclosing sentence pieces
        if s <= start < e:
            return s, max(e, end)
    return None


_WORD_RE = re.compile(r"[^\W\d_]+")


def _is_cap(w: str) -> bool:
    return bool(w) and w[0].isupper() and (len(w) == 1 or w[1:].islower())


# --- figures ----------------------------------------------------------------------------------

_SKIP_KINDS = {"date", "year", "code", "ordinal"}
_BEFORE_SKIP_RE = re.compile(
    r"(?:thứ|số|khóa|khoá|lần|chỉ thị|nghị quyết|kết luận|quy định|kế hoạch|quyết định|đề án|hướng dẫn|"
    r"thông báo|thông tri|công văn|trung ương|covid|điều|khoản|ngày|tháng|quý|nhiệm kỳ|giai đoạn)[\s\-–]*$"
)
_AFTER_SKIP_RE = re.compile(r"^\s*(?:tháng|năm|quý|ngày|tuần|giờ|phút|nhiệm kỳ)(?![^\W\d_])")
_TARGET_WORDS = ("phấn đấu", "ít nhất", "trở lên", "tối thiểu", "kế hoạch đề ra", "mục tiêu")
_LABEL_STOP = {"và", "có", "được", "đạt", "với", "của", "cho", "trong", "đó", "là", "từ", "trên", "gần", "hơn", "khoảng"}


_LABEL_CUT_RE = re.compile(r".*(?:[,;:()“”\"]|\d[\d.,%]*|\svà\s|\strong đó\s)", re.S)


def _default_label(quote: str, num_start: int, num_end: int, unit: str) -> str:
    """Deterministic label: the clause words just before the number plus its unit
    ('kết nạp mới đảng viên'); for a percentage, the words after it ('TCCS Đảng')."""
    before_text = quote[:num_start]
    m = _LABEL_CUT_RE.match(before_text)
    before = _WORD_RE.findall(before_text[m.end():] if m else before_text)
    while before and fold(before[0]) in _LABEL_STOP:
        before = before[1:]
    while before and fold(before[-1]) in _LABEL_STOP:
        before = before[:-1]
    before = before[-4:]
    if unit == "%":
        after_text = re.split(r"[,;:()]|\d|\svà\s", quote[num_end:], maxsplit=1)[0]
        after = _WORD_RE.findall(after_text)[:5]
        if after and fold(after[0]) not in {"so", "kế", "chỉ", "trên", "trở"}:
            return " ".join(after)[:60]
        return (" ".join(before) or "tỷ lệ")[:60]
    label = " ".join(before + ([unit] if unit else []))
    return label[:60] or "số lượng"


def _default_kind(sentence_before: str, unit: str, clause: str) -> FigureKind:
    f = fold(sentence_before)
    fc = fold(clause)
    if any(w in f for w in _TARGET_WORDS) or any(w in fc for w in ("trở lên", "ít nhất", "phấn đấu")):
        return "target"
    if unit == "%":
        return "rate"
    return "result"


def figure_candidates(doc: Document) -> list[FigureCandidate]:
    from .numbers import find_numbers

    out: list[FigureCandidate] = []
    seen: set[tuple[str, int]] = set()
    for p in content_paragraphs(doc):
        text = p.text
        clauses = clause_spans(text)
        sentences = sentence_spans(text, semicolons=False)
        for n in find_numbers(text):
            if n.kind in _SKIP_KINDS:
                continue
            ftext = fold(text)
            if _BEFORE_SKIP_RE.search(ftext[max(0, n.start - 16) : n.start]):
                continue
            if _AFTER_SKIP_RE.match(ftext[n.end : n.end + 12]):
                continue
            if text[max(0, n.start - 1) : n.start] in "-/" and n.start > 0 and text[n.start - 2 : n.start - 1].isalnum():
                continue  # tail of a code or range written without spaces ("Covid-19", "1-2")
            if (p.paragraph_id, n.start) in seen:
                continue
            seen.add((p.paragraph_id, n.start))
            span = _span_containing(clauses, n.start, n.end) or (n.start, n.end)
            quote = text[span[0] : span[1]]
            sent = _span_containing(sentences, n.start, n.end) or span
            unit = (n.unit or "").strip()
            out.append(
                FigureCandidate(
                    id=f"f{len(out) + 1}",
                    paragraph_id=p.paragraph_id,
                    raw=n.raw,
                    value=float(n.value),
                    unit=unit,
                    target=float(n.target) if getattr(n, "target", None) is not None else None,
                    quote=quote,
                    default_label=_default_label(quote, n.start - span[0], n.end - span[0], unit),
                    default_kind=_default_kind(text[sent[0] : n.start], unit if n.kind != "percent" else "%", quote),
                )
            )
    return out


# --- people -----------------------------------------------------------------------------------

SURNAMES = set(
    fold(s)
    for s in """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Lâm Đào Đinh Mai
    Trịnh Hà Tô Lương Thái Cao Quách Châu Tạ Văn Kiều Chu Đoàn Thạch Kim Sơn Lưu La Triệu Tăng Từ Thân
    Khúc Lục Mạc Nông Ông Phùng Quan Thân Tôn Trương Vương Vi Lò Hứa Giang Lại Diệp Doãn Khổng Âu Mã""".split()
)
NOT_PEOPLE = {fold(s) for s in ("Hồ Chí Minh", "Tôn Đức Thắng", "Võ Nguyên Giáp", "Lê Duẩn")}

TITLE_HEADS = tuple(
    fold(s)
    for s in (
        "Ủy viên", "Uỷ viên", "Tỉnh ủy viên", "Huyện ủy viên", "Thành ủy viên", "UVTV", "UVBTV", "Bí thư", "Phó Bí thư",
        "Chủ tịch", "Phó Chủ tịch", "Trưởng", "Phó Trưởng", "Chủ nhiệm", "Phó Chủ nhiệm", "Giám đốc",
        "Phó Giám đốc", "Thường trực", "Đại biểu Quốc hội", "Bộ trưởng", "Thứ trưởng", "Chánh", "Phó Chánh",
        "Tổng Giám đốc", "Tổng Thư ký", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tướng", "Trung tướng",
        "Chỉ huy trưởng", "Hiệu trưởng", "Viện trưởng", "Tư lệnh", "Chính ủy", "Phó", "Nguyên", "Đại diện",
        "Thủ trưởng", "Kiểm sát viên", "Thẩm phán", "Cục trưởng", "Vụ trưởng",
    )
)
# Lowercase verbs and connectives that end a title (compared case-sensitively: "Ban Chỉ đạo" stays).
_TITLE_STOP_RE = re.compile(
    r"\s+(?:cùng|chủ trì|phát biểu|trao|tặng|đề nghị|cho biết|tới dự|đến dự|dự|tham dự|làm trưởng đoàn|làm việc|"
    r"đánh giá|báo cáo|trình bày|nhấn mạnh|yêu cầu|chỉ đạo|kết luận|đã|và các|và đại diện|tiếp thu|đề xuất|"
    r"khẳng định|ghi nhận|biểu dương|nêu|thăm|kiểm tra|chúc mừng|gửi|đọc|quán triệt|thông qua|được|là|với|tại|"
    r"làm|có|cho|lãnh đạo|đại diện|phụ trách|cũng|tham gia|điều hành|thông tin|giới thiệu|trả lời)(?![^\W\d_])"
)
_TITLE_END_RE = re.compile(r"[;()\[\]\n:“”\"]|\.(?:\s|$)|\s(?:đồng chí|Đồng chí|ông|bà|Ông|Bà)\s")
_HONORIFIC_RE = re.compile(r"(?<![^\W\d_])(?:đồng chí|Đồng chí|đ/c|Đ/c|ông|bà|Ông|Bà|Các đồng chí|các đồng chí)\s*:?\s*$")
_ROLE_RULES: list[tuple[str, Role]] = [
    ("chủ trì", "chair"),
    ("trưởng đoàn", "head_of_delegation"),
    ("báo cáo", "presenter"),
    ("trình bày", "presenter"),
    ("phát biểu", "speaker"),
    ("kết luận", "speaker"),
    ("chỉ đạo", "speaker"),
    ("tham dự", "attendee"),
    ("tới dự", "attendee"),
    ("dự", "attendee"),
]
ROLE_PRIORITY: dict[str, int] = {"chair": 5, "head_of_delegation": 4, "presenter": 3, "speaker": 2, "attendee": 1, "author": 0}


def _starts_with_title(s: str) -> bool:
    f = fold(s.strip())
    return any(f.startswith(h + " ") or f == h for h in TITLE_HEADS)


def _names_in(text: str) -> list[tuple[int, int]]:
    """Spans of Vietnamese personal names: 2-4 capitalised syllables starting with a common surname."""
    words = list(_WORD_RE.finditer(text))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        # A run of capitalised words joined by single spaces
        j = i
        if not _is_cap(words[i].group()):
            i += 1
            continue
        while j + 1 < len(words) and _is_cap(words[j + 1].group()) and text[words[j].end() : words[j + 1].start()] == " ":
            j += 1
        run = words[i : j + 1]
        k = next((x for x, w in enumerate(run) if fold(w.group()) in SURNAMES and len(run) - x >= 2), None)
        if k is not None:
            name_words = run[k : k + 4]
            s, e = name_words[0].start(), name_words[-1].end()
            if fold(text[s:e]) not in NOT_PEOPLE and not any(fold(text[s:e]).startswith(x) for x in NOT_PEOPLE):
                spans.append((s, e))
        i = j + 1
    return spans


def _title_after(text: str, pos: int) -> tuple[str, int]:
    """Title written after a name at pos (' - title' or ', title'); returns (title, end offset)."""
    m = re.match(r"\s*[-–,]\s*", text[pos:])
    if not m:
        return "", pos
    start = pos + m.end()
    end_m = _TITLE_END_RE.search(text, start)
    end = end_m.start() if end_m else len(text)
    stop = _TITLE_STOP_RE.search(text, start, end)
    if stop:
        end = stop.start()
    segs: list[tuple[int, int]] = []
    cur = start
    for piece in re.finditer(r"[^,]+", text[start:end]):
        s, e = start + piece.start(), start + piece.end()
        seg = text[s:e]
        if not _starts_with_title(seg):
            break
        segs.append((s, e))
        cur = e
    if not segs:
        return "", pos
    title_start = segs[0][0] + (len(text[segs[0][0]:segs[0][1]]) - len(text[segs[0][0]:segs[0][1]].lstrip()))
    title = text[title_start:cur].strip()
    return title, title_start + len(text[title_start:cur].rstrip())


def _title_before(text: str, name_start: int) -> tuple[str, int]:
    """Title written before a name ('Phó Bí thư Tỉnh ủy Lâm Minh Đằng'); returns (title, start offset)."""
    window_start = max(0, name_start - 90)
    chunk = text[window_start:name_start]
    cut = max(chunk.rfind(c) for c in ",;:(.\n")
    hm = None
    for hm in re.finditer(r"(?:đồng chí|Đồng chí|ông|Ông|bà|Bà)\s", chunk):
        pass
    if hm is not None and hm.end() > cut:
        cut = hm.end() - 1
    seg_start = window_start + cut + 1
    seg = text[seg_start:name_start]
    lead = len(seg) - len(seg.lstrip())
    seg_start += lead
    seg = text[seg_start:name_start]
    if not seg.strip() or not _starts_with_title(seg) or _TITLE_STOP_RE.search(" " + seg):
        return "", name_start
    return seg.strip(), seg_start


def _cued_roles(sentence: str) -> list[Role]:
    """Roles whose cue words occur in the sentence, in rule order (strongest first)."""
    f = fold(sentence)
    out: list[Role] = []
    for kw, role in _ROLE_RULES:
        if role not in out and re.search(r"(?<![^\W\d_])" + re.escape(kw) + r"(?![^\W\d_])", f):
            out.append(role)
    return out


def _role_from(sentence: str) -> Role:
    return next(iter(_cued_roles(sentence)), "attendee")


def people_candidates(doc: Document) -> list[PersonCandidate]:
    found: dict[str, PersonCandidate] = {}
    order: list[str] = []
    for p in content_paragraphs(doc, captions=True):
        text = p.text
        sentences = sentence_spans(text, semicolons=False)
        for s, e in _names_in(text):
            name = text[s:e]
            title, t_end = _title_after(text, e)
            q_start, q_end = s, (t_end if title else e)
            if not title:
                title, b_start = _title_before(text, s)
                if title:
                    q_start = b_start
            honorific = bool(_HONORIFIC_RE.search(text[max(0, s - 16) : s])) or text[max(0, s - 2) : s] == "; "
            if not title and not honorific:
                continue
            sent = _span_containing(sentences, s, e) or (0, len(text))
            cued = _cued_roles(text[sent[0] : sent[1]])
            role = next(iter(cued), "attendee")
            quote = text[q_start:q_end]
            key = fold(name)
            cand = PersonCandidate(id="", name=name, title=title, paragraph_id=p.paragraph_id, quote=quote, default_role=role,
                                   cued_roles=cued)
            if key not in found:
                found[key] = cand
                order.append(key)
                continue
            old = found[key]
            best = cand if len(cand.title) > len(old.title) else old
            best_role = max((old.default_role, role), key=lambda r: ROLE_PRIORITY[r])
            found[key] = best.model_copy(update={"default_role": best_role, "mentions": old.mentions + 1,
                                                 "cued_roles": list(dict.fromkeys(old.cued_roles + cued))})
    out = [found[k].model_copy(update={"id": f"h{i + 1}"}) for i, k in enumerate(order)]
    return out


def author_candidates(doc: Document) -> list[PersonCandidate]:
    """The byline author (role author), when it can be quoted from a byline paragraph."""
    if not doc.author:
        return []
    for p in doc.paragraphs:
        if p.kind == "byline" and doc.author in p.text:
            return [PersonCandidate(id="a1", name=doc.author, paragraph_id=p.paragraph_id, quote=doc.author, default_role="author")]
    return []


# --- documents --------------------------------------------------------------------------------

_CODE_RE = re.compile(r"(?<![\w/-])(\d{1,5}-[A-ZĐ]{1,5}(?:/[A-ZĐ]{1,6})+)(?![\w/])")
_DOC_TYPES = ("Chỉ thị", "Nghị quyết", "Kết luận", "Quyết định", "Đề án", "Quy định", "Kế hoạch", "Hướng dẫn",
              "Thông báo", "Quy chế", "Chương trình", "Thông tri", "Công văn", "Báo cáo", "Nghị định", "Thông tư")
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
        if text[pos + w.start() - 1 : pos + w.start()] not in (" ", "") and w.start() > 0:
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
    for p in content_paragraphs(doc):
        text, ftext = p.text, fold(p.text)
        for m in _CODE_RE.finditer(text):
            code = m.group(1)
            start, end = m.start(), m.end()
            typ = ""
            tm = _TYPE_BEFORE_RE.search(ftext[max(0, start - 24) : start])
            if tm:
                typ_start = max(0, start - 24) + tm.start()
                typ = text[typ_start : typ_start + len(tm.group(1))]
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

_AWARD_RE = re.compile(r"(Giấy khen|Bằng khen|Cờ [Tt]hi đua|Cờ thi đua|Huân chương [A-ZĐ][^\s,;.]*(?: [A-ZĐ][^\s,;.]*)*(?: hạng \w+)?|Kỷ niệm chương)")
_RECIPIENT_RE = re.compile(r"^(?:\s+của\s+[^;.,]+?)?\s+(?:cho|tặng)\s+([^;\n]+?)(?=;|\.\s|\.$|\n|$)")


def award_candidates(doc: Document) -> list[AwardCandidate]:
    out: list[AwardCandidate] = []
    for p in content_paragraphs(doc):
        text = p.text
        for m in _AWARD_RE.finditer(text):
            rm = _RECIPIENT_RE.match(text[m.end() :])
            if not rm:
                continue
            recipients = rm.group(1).strip()
            end = m.end() + rm.end()
            out.append(AwardCandidate(name=m.group(1), recipients=recipients, paragraph_id=p.paragraph_id, quote=text[m.start() : end]))
    return out


# --- date -------------------------------------------------------------------------------------

_DATELINE_RE = re.compile(
    r"(?<![^\W\d_])(?:(?:[Ss]áng|[Cc]hiều|[Tt]ối|[Tt]rưa|[Đđ]êm)(?:\s+(?:ngày|nay|qua|hôm qua))?|[Nn]gày|[Hh]ôm nay|[Hh]ôm qua)"
    r"\s+(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{4}))?(?![\d/-])"
)
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


_NAM_YEAR_RE = re.compile(r"(?:năm|Năm)\s+((?:19|20)\d{2})(?!\d)")


def _years(text: str) -> list[int]:
    """Years written as 'năm YYYY' (ranges like 'nhiệm kỳ 2020-2025' are not event years)."""
    return [int(y) for y in _NAM_YEAR_RE.findall(text) if 1990 <= int(y) <= 2100]


def date_candidate(doc: Document) -> DateCandidate | None:
    body = content_paragraphs(doc)
    for p in body[:2]:
        for m in _DATELINE_RE.finditer(p.text):
            before = p.text[max(0, m.start() - 20) : m.start()]
            if _CODE_RE.search(before):
                continue  # the issue date of a cited document
            day, month = int(m.group(1)), int(m.group(2))
            if not (1 <= day <= 31 and 1 <= month <= 12):
                continue
            inferred = m.group(3) is None
            if not inferred:
                year = int(m.group(3))
            elif doc.published is not None:
                pub = doc.published.date()
                year = pub.year - 1 if (month, day) > (pub.month, pub.day) and month - pub.month > 6 else pub.year
            else:
                years = _years(doc.title) + [y for q in body[:2] for y in _years(q.text)]
                years = years or [y for q in body for y in _years(q.text)]
                if not years:
                    continue
                year = max(years)
            iso = _iso(year, month, day)
            if iso is None:
                continue
            return DateCandidate(date=Date.fromisoformat(iso), inferred_year=inferred, paragraph_id=p.paragraph_id, quote=m.group(0))
    return None


# --- province, organisation, event type, period ----------------------------------------------


def province_of(doc: Document) -> str | None:
    """The province the body names: explicit 'tỉnh X' first (most frequent), else any named one; None if none."""
    from .gazetteer import find_provinces

    explicit: Counter[str] = Counter()
    named: Counter[str] = Counter()
    first: dict[str, int] = {}
    pos = 0
    for p in content_paragraphs(doc):
        for canon, s, _e in find_provinces(p.text):
            named[canon] += 1
            first.setdefault(canon, pos + s)
            if re.search(r"(?:tỉnh|Tỉnh|thành phố|Thành phố|TP\.?)\s*$", p.text[max(0, s - 12) : s]):
                explicit[canon] += 1
        pos += len(p.text) + 1
    pool = explicit or named
    if not pool:
        return None
    return max(pool, key=lambda c: (pool[c], -first[c]))


_ORG_RE = re.compile(
    r"((?:Ban Thường vụ |Thường trực |Ban Chấp hành )?(?:Đảng [uủ][yỷ]|Đảng bộ|Huyện [uủ][yỷ]|Tỉnh [uủ][yỷ]|Thành [uủ][yỷ]|Quận [uủ][yỷ]|Thị [uủ][yỷ]|Ủy ban|UBND|HĐND|Mặt trận|Ban Tổ chức|Ban Tuyên giáo|Ban Dân vận|Ủy ban Kiểm tra)"
    r"[^,;:.()\n]*?)(?=\s+(?:sơ kết|tổng kết|triển khai|tổ chức|kiểm tra|đã|họp|làm việc|tiến hành|khai mạc|đánh giá)(?![^\W\d_])|\s*[:(,;.]|$)"
)


def organization_of(doc: Document) -> str | None:
    body = content_paragraphs(doc)
    for text in [doc.title] + [p.text for p in body[:1]]:
        lead = re.sub(r"^(?:(?:[Ss]áng|[Cc]hiều|[Tt]ối|[Nn]gày)[^,]*,\s*)", "", text)
        m = _ORG_RE.match(lead)
        if m and len(m.group(1)) <= 90:
            return m.group(1).strip()
    for text in [doc.title] + [p.text for p in body[:1]]:
        m = _ORG_RE.search(text)
        if m and len(m.group(1)) <= 90:
            return m.group(1).strip()
    return None


_EVENT_RULES: list[tuple[str, EventType]] = [
    (r"giữa nhiệm kỳ", "mid_term_review"),
    (r"hội nghị ban chấp hành", "executive_conference"),
    (r"^(?:.{0,40}\s)?kiểm tra|đến kiểm tra|làm việc tại|đoàn công tác|đoàn kiểm tra", "inspection_visit"),
    (r"sơ kết|\d+ tháng (?:đầu|cuối) năm|quý [ivx]+|6 tháng", "period_review"),
    (r"tổng kết", "year_review"),
]


def event_type_of(doc: Document) -> tuple[EventType, bool, list[str]]:
    """(event_type, sure, keywords found) from the title and the first body paragraph."""
    body = content_paragraphs(doc)
    title = fold(doc.title)
    first = fold(body[0].text) if body else ""
    hits: list[tuple[EventType, str]] = []
    for pattern, et in _EVENT_RULES:
        for where in (title, first):
            m = re.search(pattern, where)
            if m:
                hits.append((et, m.group(0)))
                break
    if not hits:
        return "other", False, []
    types = list(dict.fromkeys(et for et, _ in hits))
    sure = len(types) == 1
    return types[0], sure, [kw for _, kw in hits]


_PERIOD_RES = [
    re.compile(r"(\d{1,2}) tháng (đầu|cuối) năm(?:\s+((?:19|20)\d{2}))?"),
    re.compile(r"quý ([IV]+)\s*(?:-|–|năm)\s*((?:19|20)\d{2})", re.I),
    re.compile(r"(?:tổng kết|sơ kết)[^.;]*?năm ((?:19|20)\d{2})"),
]


def period_of(doc: Document, event_year: int | None) -> str | None:
    body = content_paragraphs(doc)
    for text in [doc.title] + [p.text for p in body[:1]]:
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


# --- all --------------------------------------------------------------------------------------


def build(doc: Document) -> Candidates:
    """Every deterministic candidate of a document."""
    date = date_candidate(doc)
    event_type, sure, hints = event_type_of(doc)
    return Candidates(
        figures=figure_candidates(doc),
        people=people_candidates(doc),
        documents=document_candidates(doc),
        awards=award_candidates(doc),
        date=date,
        province=province_of(doc),
        organization=organization_of(doc),
        event_type=event_type,
        event_type_sure=sure,
        event_hints=hints,
        period=period_of(doc, date.date.year if date else None),
    )


def batched(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
