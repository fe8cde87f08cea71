"""The lead (when, who, what kind of event) and the people sentence, built from the record.

The kind of event, its date and the roles come from the verified Record and are named through the
glossaries (glossary_events.json, glossary_party_en.json); the Vietnamese lead is the source's own
clause. An event of type 'other' is called "a meeting" / "hội nghị", never a specific kind.
"""

from __future__ import annotations

import re

from ..schemas import Document, Person, Record
from ..vi.text import fold
from .base import Ctx, Fact, cap, date_en, end, evidence, fact_problems, is_body, period_en, sentence_of, \
    trim_span, vi_clause

_REVIEWS = ("year_review", "period_review", "mid_term_review", "thematic_review")
_BODY_START = r"(?:tỉnh|huyện|thành phố|thị xã|xã|Ban|Bộ|Ủy ban|Uỷ ban|UBKT|Tỉnh ủy|Tỉnh uỷ|Thành ủy|Thành uỷ|Huyện ủy|Huyện uỷ|Đảng ủy|Đảng uỷ|Đảng bộ|Chi bộ|Thường trực|Hội đồng|HĐND|UBND|Quốc hội|Chính phủ|Trung ương|Sở|Mặt trận)"
_BODY_END = r"(?=\s+(?:do|đã|về|tại|trong|năm|việc|đối với|làm việc|kiểm tra|giám sát|nhiệm kỳ|giai đoạn)\b|\s*[,.;:(]|$)"
# "Đoàn kiểm tra số 12 của Ban Bí thư ..." / "... làm việc với Ban Thường vụ Tỉnh ủy": who inspects whom
_INSPECTOR_RE = re.compile(r"[Đđ]oàn\s+(?:công tác|kiểm tra|giám sát)(?:\s+số\s+\d+)?(?:\s+của)?\s+(" + _BODY_START + r"[^,.;()]{0,80}?)" + _BODY_END)
_INSPECTED_RE = re.compile(r"(?:làm việc với|kiểm tra|giám sát)(?:\s+(?:đối với|tại))?\s+(" + _BODY_START + r"[^,.;()]{0,80}?)" + _BODY_END)


# "kỳ họp thứ 12", "Hội nghị Ban Chấp hành Đảng bộ lần thứ 14": the meeting's own ordinal; not that of a meeting a
# cited document is named after ("Nghị quyết Đại hội lần thứ XIII", "thực hiện Kết luận Hội nghị lần thứ 4")
_ORDINAL_RE = re.compile(r"(?<!\w)(?:lần\s+)?thứ\s+(\d{1,3})(?!\w|[.,]\d)", re.IGNORECASE)
_MEETING_NOUN_RE = re.compile(r"(?<!\w)(?:kỳ họp|phiên họp|hội nghị|đại hội)(?!\w)", re.IGNORECASE)
_CITED_BEFORE_RE = re.compile(r"(?:nghị quyết|kết luận|chỉ thị|quyết định|thực hiện|theo|của)\s*$", re.IGNORECASE)


def ordinal_en(n: int) -> str:
    """12 -> '12th', 21 -> '21st' (English ordinal suffixes)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def meeting_ordinal(clause: str) -> int | None:
    """The ordinal the lead clause gives the meeting itself ('tổ chức kỳ họp thứ 12' -> 12): 'thứ N' within eight
    words after the nearest meeting noun of the same clause, that noun not the name of a cited document's meeting
    ('Nghị quyết Hội nghị lần thứ 8'); or None."""
    for m in _ORDINAL_RE.finditer(clause):
        window = clause[max(0, m.start() - 80):m.start()]
        nouns = list(_MEETING_NOUN_RE.finditer(window))
        if not nouns:
            continue
        between = window[nouns[-1].end():]
        if re.search(r"[,.;:()]", between) or len(between.split()) > 8:
            continue
        if not _CITED_BEFORE_RE.search(window[:nouns[-1].start()]):
            return int(m.group(1))
    return None


_EVENT_WORDS_RE = re.compile(r"\b(?:tổ chức|khai mạc|bế mạc|diễn ra|họp|hội nghị|đại hội|kỳ họp|phiên họp|làm việc|"
                             r"kiểm tra|giám sát|tổng kết|sơ kết|giao ban|trao|công bố)\b", re.IGNORECASE)


def lead_paragraph(doc: Document, record: Record) -> tuple[str, int]:
    """(paragraph id, offset) where the lead sentence starts: the date's clause when it is in the body,
    else the first body sentence naming the organiser, else the first that tells of an event, else the
    first body sentence; never a menu, widget, counter or image name."""
    from ..verify import chrome_problems

    ev = record.date_evidence
    if ev is not None and is_body(doc, ev.paragraph_id):
        text = doc.paragraph(ev.paragraph_id).text
        s, e = sentence_of(text, ev.start, ev.start, semicolons=False)
        if not chrome_problems(text[s:e]):
            return ev.paragraph_id, ev.start
    firsts = []
    for p in doc.body:
        s, e = sentence_of(p.text, 0, 0, semicolons=False)
        if not chrome_problems(p.text[s:e]):
            firsts.append((p.paragraph_id, p.text[s:e]))
    org = fold(record.organization or "")
    for test in (lambda t: bool(org) and org in fold(t), lambda t: bool(_EVENT_WORDS_RE.search(t)), lambda t: True):
        for pid, first in firsts:
            if test(first):
                return pid, 0
    return "", 0


def event_type(doc: Document, record: Record, events) -> str:
    """The record's kind of event, or 'other' (neutral words) when the lead clause names kinds of event and
    none of them fits the record's ("hội nghị giao ban" for a record typed as an inspection visit)."""
    pid, off = lead_paragraph(doc, record)
    if not pid or record.event_type == "other":
        return record.event_type
    text = doc.paragraph(pid).text
    s, e = sentence_of(text, off, off, semicolons=False)
    named = {t for _, t in events.named(text[s:e], "vi")}
    return record.event_type if not named or named & events.allowed(record.event_type) or \
        any(record.event_type in events.allowed(t) for t in named) else "other"


def inspection_parties(text: str, glossary) -> tuple[str | None, str | None, str]:
    """(inspecting body, inspected body, 'work' or 'inspect') of an inspection clause, the bodies in English
    where the glossary renders them; 'work' when the source says the delegation worked with the body."""
    a = _INSPECTOR_RE.search(text)
    b = _INSPECTED_RE.search(text, a.end() if a else 0)
    inspector = glossary.org(a.group(1).strip()) if a else None
    inspected = glossary.org(b.group(1).strip()) if b else None
    return inspector, inspected, "work" if b and b.group(0).startswith("làm việc") else "inspect"


def _dated(ctx: Ctx, body: str, cites) -> tuple[str, list[str]]:
    """`body` ('the X held a Y') as a sentence, dated by the record's event date when the verifier agrees.
    The date's own evidence (a quote of the article the record read it from, "sáng 14.10") supports it;
    its year does only when the record did not infer it."""
    record = ctx.record
    if record.date is None:
        return end(cap(body)), []
    d = record.date
    extra: list[str] = []
    if record.date_evidence is not None and any(record.date_evidence.quote in p for p in ctx.sources):
        extra = [f"ngày {d.day} tháng {d.month}" + ("" if record.date_inferred_year else f" năm {d.year}")]
    for with_year in (True, False):
        cand = end(f"On {date_en(d, with_year)}, {body}")
        if not fact_problems(ctx, cand, "en", cites, extra=extra):
            return cand, extra
    return end(cap(body)), []


def lead_fact(ctx: Ctx) -> Fact | None:
    doc, record, g, ev_names = ctx.doc, ctx.record, ctx.glossary, ctx.events
    pid, off = lead_paragraph(doc, record)
    if not pid:
        return None
    text = doc.paragraph(pid).text
    s, e = sentence_of(text, off, off, semicolons=False)
    if record.date_evidence is not None and record.date_evidence.paragraph_id == pid and s < record.date_evidence.start < e:
        if text[s:record.date_evidence.start].rstrip().endswith(","):
            s = record.date_evidence.start  # start at the date when it opens a clause
    s, e = trim_span(text, s, e, ctx.settings.max_vi_chars)
    ev = evidence(doc, pid, s, e)
    if ev is None:
        return None
    cites = [ev]
    names: list[str] = []
    keep: list[str] = []
    org = ctx.org_en
    if org and record.province and record.province in ctx.body_provinces and fold(record.province) not in fold(org) \
            and not re.search(r"\b(?:Central|National|Politburo|Secretariat|Government)\b", org):
        # a local body whose name leaves its province out: "X of Hà Giang province" (not "Hà Giang X": the
        # name finder reads a capitalised run starting with a surname as a person); never a central body
        org = f"{org} of {record.province} province"
    per = period_en(record.period)
    if ctx.event_type == "inspection_visit":
        inspector, inspected = ctx.inspection or (None, None)
        who = f"a delegation of the {inspector}" if inspector else "an inspection delegation"
        head = next((p for p in record.people if p.role == "head_of_delegation"), None)
        if head is not None and fold(head.name) in fold(ev.quote):
            t = g.title(head.title) if head.title else None
            who += f" led by {head.name}" + (f", {t}," if t else "")
            names.append(head.name)
            keep += [t] if t else []
        the = "" if re.search(r" (?:province|district|commune|city|town)$", inspected or "") else "the "
        body = (f"{who} {'held a working session with' if ctx.inspection_verb == 'work' else 'inspected'} {the}{inspected}"
                if inspected else f"{who} held a working session")
        if per and inspected:
            body += f" on its work in {per}"
    else:
        what = ev_names.en[ctx.event_type]
        cited = [d for d in record.documents if d.code and d.code in ev.quote]
        if ctx.event_type == "thematic_review" and cited:
            t = g.lookup(cited[0].type) if cited[0].type else None
            what = f"a conference reviewing the implementation of {(t.en + ' ') if t else ''}{cited[0].code}"
            keep.append(cited[0].code)
        elif ctx.event_type in _REVIEWS and per:
            what += f" covering {per}"
        if org and (m := re.search(r" of (?:the|its) (.+)$", what)) and fold(m.group(1)) in fold(org):
            what = what[:m.start()]  # "the X People's Council held a session", not "... a session of the People's Council"
        if (n := meeting_ordinal(ev.quote)) is not None and re.match(r"an? ", what):
            what = re.sub(r"^an? ", f"the {ordinal_en(n)} ", what)  # "held the 12th session"
        place = record.province if record.province and record.province in ctx.body_provinces else None
        # no body the glossary can name: where it was held, the record's province, still says whose event it was
        body = f"the {org} held {what}" if org else \
            f"{what.replace(' its ', ' the ')} was held" + (f" in {place} province" if place else "")
    en, extra = _dated(ctx, body, cites)
    return Fact(key="lead", vi=vi_clause(ev.quote), en=en, citations=cites, names=names, keep=keep, extra=extra)


_ROLE_VI = {"chair": "chủ trì", "head_of_delegation": "làm trưởng đoàn", "speaker": "phát biểu tại",
            "presenter": "trình bày báo cáo tại", "attendee": "dự"}
_ROLE_EN = {"chair": "chaired", "head_of_delegation": "led the delegation at", "speaker": "addressed",
            "presenter": "presented a report at", "attendee": "attended"}
_ORDER = {"chair": 0, "head_of_delegation": 1, "speaker": 2, "presenter": 3, "attendee": 4}


def _person_vi(p: Person, ctx: Ctx) -> str:
    what = "" if p.role == "head_of_delegation" else " " + ctx.events.vi[ctx.event_type]
    return f"Đồng chí {p.name}" + (f" - {p.title}" if p.title else "") + f" {_ROLE_VI[p.role]}".rstrip() + what


def people_fact(ctx: Ctx, lead: Fact | None) -> Fact | None:
    """The chair (or head of delegation, or main speaker) with their title, when the lead does not name them."""
    doc, record = ctx.doc, ctx.record
    in_lead_en = fold(lead.en) if lead else ""
    cands = [p for p in record.people if p.role in _ORDER and p.role != "author" and fold(p.name) not in in_lead_en
             and is_body(doc, p.evidence.paragraph_id)]
    if not cands:
        return None
    cands.sort(key=lambda p: _ORDER[p.role])
    first = cands[0]
    chosen = [first]
    if first.role == "chair" and len(cands) > 1 and cands[1].role in ("speaker", "attendee"):
        chosen.append(cands[1])
    noun = ctx.events.noun_en[ctx.event_type]
    t = ctx.glossary.title(first.title) if first.title else None
    keep = [t] if t else []
    role_en = _ROLE_EN[first.role].removesuffix(" at") if first.role == "head_of_delegation" else _ROLE_EN[first.role] + f" the {noun}"
    en = first.name + (f", {t}," if t else "") + f" {role_en}"
    vi = _person_vi(first, ctx)
    if len(chosen) == 2:
        second = chosen[1]
        vi += f", với sự tham dự của đồng chí {second.name}" + (f" - {second.title}" if second.title else "")
        t2 = ctx.glossary.title(second.title) if second.title else None
        keep += [t2] if t2 else []
        en += f", which was attended by {second.name}" + (f", {t2}" if t2 else "")
    said_vi = lead is not None and all(fold(p.name) in fold(lead.vi) for p in chosen)
    return Fact(key="people", vi=end(vi), en=end(en), citations=[p.evidence for p in chosen],
                names=[p.name for p in chosen], keep=keep, vi_ok=not said_vi)
