"""What every part of the summariser shares: the Fact, the article context, text helpers, and the one
call into the verifier (`fact_problems`) that every sentence passes, template or polished."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Iterable, Sequence

from ..vi.event_names import EventNames
from ..vi.glossary import Glossary
from ..schemas import Document, Evidence, Record
from ..settings import SummarySettings
from ..vi.text import fold, sentence_spans

SOURCE_KINDS = ("title", "dateline", "body", "caption")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


@dataclass
class Fact:
    """One thing the summary says, in both languages, with its evidence."""

    key: str
    vi: str
    en: str
    citations: list[Evidence]
    key_values: list[float] = field(default_factory=list)  # figures the English states (the Vietnamese too)
    names: list[str] = field(default_factory=list)  # person names the sentences state
    keep: list[str] = field(default_factory=list)  # English strings a polish must keep verbatim (titles, codes)
    en_ok: bool = True
    vi_ok: bool = True  # False: the Vietnamese of another fact already says it (English only)
    extra: list[str] = field(default_factory=list)  # record facts written out that support the English (its date)


@dataclass
class Ctx:
    """One article and what the summariser derives from it once."""

    doc: Document
    record: Record
    glossary: Glossary
    events: EventNames
    settings: SummarySettings
    org_en: str | None
    body_provinces: set[str]
    sources: list[str]  # the article's own paragraphs
    exclude: set[str]  # folded name syllables, set aside when measuring Vietnamese words
    inspection: tuple[str | None, str | None] | None = None  # (inspector, inspected) in English
    event_type: str = "other"  # the record's, or 'other' where the lead clause names another kind (lead.event_type)
    inspection_verb: str = "inspect"  # 'work': the source says the delegation worked with the body


def source_paragraphs(doc: Document) -> list[str]:
    """The article's own text (title, dateline, body, captions): what every number must come from."""
    return [p.text for p in doc.paragraphs if p.kind in SOURCE_KINDS]


def sources_of(doc: Document, cites: Iterable[Evidence]) -> list[str]:
    out: list[str] = []
    for c in cites:
        try:
            t = doc.paragraph(c.paragraph_id).text
        except KeyError:
            continue
        if t not in out:
            out.append(t)
    return out


def fact_problems(ctx: Ctx, text: str, lang: str, cites: Sequence[Evidence], names: Sequence[str] = (),
                  values: Sequence[float] = (), keep: Sequence[str] = (), extra: Sequence[str] = ()) -> list[str]:
    """Why `text` may not be shown: against its cited paragraphs (and `extra`, facts of the record written
    out, such as its verified date) and against the record (toolkit.verify)."""
    from ..verify import record_problems, sentence_problems

    if lang == "vi":
        extra = [*extra, *(c.quote for c in cites), *([ctx.record.period] if ctx.record.period else [])]
    problems = sentence_problems(text, sources_of(ctx.doc, cites) + list(extra), lang=lang, body_provinces=ctx.body_provinces,
                                 exclude=ctx.exclude if lang == "en" else frozenset(), names=names, values=values, keep=keep)
    if lang == "vi":  # a number quoted as written from the cited clause is grounded however the number reader parses it
        problems = [p for p in problems if not p.startswith("numbers not in the cited source")
                    or _unquoted(p, [c.quote for c in cites])]
    return problems + record_problems(text, ctx.record, lang=lang, sources=ctx.sources, glossary=ctx.glossary,
                                      events=ctx.events, inspection=ctx.inspection, body=ctx.org_en)


def _unquoted(problem: str, quotes: list[str]) -> list[str]:
    """The raw numbers of a 'numbers not in the cited source: [...]' problem that no quote holds as written."""
    raws = re.findall(r"'([^']+)'", problem)
    return [r for r in raws if not any(re.search(r"(?<![\d.,])" + re.escape(r) + r"(?![\d])", q) for q in quotes)]


def is_body(doc: Document, pid: str) -> bool:
    try:
        return doc.paragraph(pid).kind == "body"
    except KeyError:
        return False


def para_index(doc: Document, pid: str) -> int:
    return next((i for i, p in enumerate(doc.paragraphs) if p.paragraph_id == pid), 0)


def cap(s: str) -> str:
    s = s.strip()
    return s[:1].upper() + s[1:] if s else s


def end(s: str) -> str:
    s = s.strip().rstrip(",;:–- ").strip()
    if s.endswith((")", "”", '"')) and not s.endswith(".)"):
        return s + "."
    return s if s.endswith((".", "!", "?")) else s + "."


def join_and(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def date_en(d: Date, with_year: bool = True) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]}" + (f" {d.year}" if with_year else "")


def period_en(period: str | None) -> str | None:
    """'9 tháng đầu năm 2021' -> 'the first 9 months of 2021'; None when not understood."""
    if not period:
        return None
    p = fold(period).strip()
    if m := re.fullmatch(r"(?:trong\s+)?0?(\d+)\s+tháng\s+đầu\s+năm\s+(\d{4})", p):
        return f"the first {int(m.group(1))} months of {m.group(2)}"
    if m := re.fullmatch(r"(?:trong\s+)?0?(\d+)\s+tháng\s+cuối\s+năm\s+(\d{4})", p):
        return f"the last {int(m.group(1))} months of {m.group(2)}"
    if m := re.fullmatch(r"(?:trong\s+)?(?:cả\s+)?năm\s+(\d{4})", p):
        return m.group(1)
    if m := re.fullmatch(r"(?:trong\s+)?(\d{4})", p):
        return m.group(1)
    if m := re.fullmatch(r"(?:giai đoạn|nhiệm kỳ)\s+(\d{4})\s*[-–]\s*(\d{4})", p):
        return f"{m.group(1)}-{m.group(2)}"
    if m := re.fullmatch(r"quý\s+(i{1,3}|iv)\s*[-/ ]\s*(?:năm\s+)?(\d{4})", p):
        return f"the {_ORDINAL_WORDS[_ROMAN[m.group(1).upper()]]} quarter of {m.group(2)}"
    if m := re.fullmatch(r"(\d)\s+tháng\s+năm\s+(\d{4})", p):
        return f"the first {m.group(1)} months of {m.group(2)}"
    return None


_CONNECTIVE_RE = re.compile(r"^(?:qua đó|từ đó|đồng thời|trong đó|theo đó|và|cùng với đó|ngoài ra|nhờ đó)\s*,?\s+", re.IGNORECASE)


_OUTLET_TAG_RE = re.compile(r"^\(\s*[A-ZĐ][A-ZĐ.]{1,7}\s*\)\s*[-–]\s*")  # "(QNO) - ", "(BĐ) -": the outlet's tag


def vi_clause(text: str) -> str:
    """A source span as a sentence: the outlet's tag and a leading connective dropped, capitalised, closed with '.'."""
    return end(cap(_CONNECTIVE_RE.sub("", _OUTLET_TAG_RE.sub("", text.strip()))))


def sentence_of(text: str, start: int, stop: int, semicolons: bool) -> tuple[int, int]:
    for s, e in sentence_spans(text, semicolons=semicolons):
        if s <= start < e:
            return s, max(e, min(stop, len(text)))
    return start, stop


def trim_span(text: str, s: int, e: int, limit: int) -> tuple[int, int]:
    """Cut a long span at a connective or the last clause boundary before `limit` characters."""
    for cut in (" gắn với ", " nhằm ", " với sự tham dự", ". Tham dự"):
        i = text.find(cut, s, e)
        if i > s + 40:
            e = i
    if e - s > limit:
        j = max(text.rfind(", ", s, s + limit), text.rfind("; ", s, s + limit))
        if j > s + 40:
            e = j
    return s, e


def evidence(doc: Document, pid: str, start: int, stop: int) -> Evidence | None:
    from ..verify import evidence_for

    return evidence_for(doc, pid, doc.paragraph(pid).text[start:stop])


def article_provinces(doc: Document) -> set[str]:
    """Provinces the article itself names (title, dateline, body, captions)."""
    from ..vi.places import find_provinces

    return {n for n, _, _ in find_provinces("\n".join(source_paragraphs(doc)))}


_WORD_RE = re.compile(r"[^\W\d_]+")
_ALWAYS_NAMES = ("Hồ Chí Minh",)
_PLACE_RE = re.compile(r"(?:huyện|xã|thị trấn|thị xã|tỉnh|thành phố|phường|Huyện ủy|Huyện uỷ|Tỉnh ủy|Tỉnh uỷ|Thành ủy|UBND huyện)\s+((?:[A-ZĐ]\w*\s?){1,3})")


def name_tokens(doc: Document | None, record: Record | None) -> set[str]:
    """Folded syllables of person and place names (set aside when measuring Vietnamese words)."""
    from ..vi.places import PROVINCES

    names: list[str] = list(_ALWAYS_NAMES)
    if record is not None:
        names += [p.name for p in record.people]
        if record.province:
            names.append(record.province)
    names += [n for canon, extra in PROVINCES.items() for n in [canon, *extra]]
    if doc is not None:
        names += [m.group(1) for m in _PLACE_RE.finditer(doc.text)]
    return {fold(w) for n in names for w in _WORD_RE.findall(n)}
