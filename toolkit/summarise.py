"""Bilingual cited summaries: Document + verified Record -> Summary (Vietnamese and English).

Data to text; the model only polishes:
1. `build_facts` picks the facts to state from the record: the lead (date, organiser, event,
   place), the chair/head of delegation, the key figures (admissions against target, totals,
   ratings, targets, other salient results) and the awards. Each fact has a Vietnamese sentence
   made of the source's own clauses (trimmed), a deterministic English sentence made from
   templates + the curated glossary (toolkit/glossary.py), its citations (Evidence) and its key
   figure values.
2. Every sentence is verified (toolkit.verify.check against its cited paragraphs, the province
   guard, and for English the Vietnamese-word share); a fact whose sentence fails is dropped.
3. The model rewrites the English fact list once per article (`summary_polish_en`); each polished
   sentence is re-verified and must keep the fact's numbers and the names with their diacritics.
   A sentence that fails is replaced by its template sentence, never shown. With a stronger model
   (settings.llm.url or model_path set) the model may write freely from the article body
   (`summary_free_en`), sentence by sentence under the same verification; facts it leaves out are
   added back as template sentences.

`summarise_store` caches summaries in the store by (content hash, model, prompt version + record).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date as Date
from typing import TYPE_CHECKING, Iterable, Sequence

from .progress import run_each
from .errors import LLMError
from .glossary import Glossary, format_en, load_glossary
from .schemas import Document, Evidence, Figure, Record, Summary, SummarySentence
from .textnorm import fold, nfc, sentence_spans, strip_marks

if TYPE_CHECKING:
    from .llm import LLM
    from .settings import Settings
    from .store import Store

# Bump when fact selection or templates change in a way that changes summaries.
CODE_VERSION = "1"
PROMPTS = ("summary_system", "summary_polish_en", "summary_free_en")
MAX_SENTENCES = 6
MAX_FIGURE_FACTS = 3
MAX_VI_CHARS = 340
VI_SHARE_LIMIT = 0.15
POLISH_BUDGET_CHARS = 700  # ~200 output tokens of English
SOURCE_KINDS = ("title", "dateline", "body", "caption")

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


# --- facts ------------------------------------------------------------------------------------


@dataclass
class Fact:
    """One thing the summary says, in both languages, with its evidence."""

    key: str
    vi: str
    en: str
    citations: list[Evidence]
    key_values: list[float] = field(default_factory=list)  # the key figures this fact states
    names: list[str] = field(default_factory=list)  # person names this fact states
    keep: list[str] = field(default_factory=list)  # English strings a polish must keep verbatim (titles, codes)
    en_ok: bool = True


def source_paragraphs(doc: Document) -> list[str]:
    """The article's own text (title, dateline, body, captions): what every number must come from."""
    return [p.text for p in doc.paragraphs if p.kind in SOURCE_KINDS]


def _cap(s: str) -> str:
    s = s.strip()
    return s[:1].upper() + s[1:] if s else s


def _end(s: str) -> str:
    s = s.strip().rstrip(",;:–- ").strip()
    if s.endswith((")", "”", '"')) and not s.endswith(".)"):
        return s + "."
    return s if s.endswith((".", "!", "?")) else s + "."


def _join_and(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _evidence(doc: Document, pid: str, start: int, end: int) -> Evidence | None:
    from .verify import evidence_for

    text = doc.paragraph(pid).text
    return evidence_for(doc, pid, text[start:end])


def date_en(d: Date, with_year: bool = True) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]}" + (f" {d.year}" if with_year else "")


def period_en(period: str | None) -> str | None:
    """'9 tháng đầu năm 2021' -> 'the first 9 months of 2021'; None when not understood."""
    if not period:
        return None
    p = fold(nfc(period)).strip()
    if m := re.fullmatch(r"(?:trong\s+)?0?(\d+)\s+tháng\s+đầu\s+năm\s+(\d{4})", p):
        return f"the first {int(m.group(1))} months of {m.group(2)}"
    if m := re.fullmatch(r"(?:trong\s+)?0?(\d+)\s+tháng\s+cuối\s+năm\s+(\d{4})", p):
        return f"the last {int(m.group(1))} months of {m.group(2)}"
    if m := re.fullmatch(r"(?:trong\s+)?năm\s+(\d{4})", p):
        return m.group(1)
    if m := re.fullmatch(r"quý\s+(i{1,3}|iv)\s*[-/ ]\s*(?:năm\s+)?(\d{4})", p):
        return f"the {_ORDINAL_WORDS[_ROMAN[m.group(1).upper()]]} quarter of {m.group(2)}"
    return None


_CONNECTIVE_RE = re.compile(r"^(?:qua đó|từ đó|đồng thời|trong đó|theo đó|và|cùng với đó|ngoài ra|nhờ đó)\s*,?\s+", re.IGNORECASE)


def _vi_clause(text: str) -> str:
    """A source span as a sentence: leading connective dropped, capitalised, closed with '.'."""
    s = text.strip()
    s = _CONNECTIVE_RE.sub("", s)
    return _end(_cap(s))


def _sentence_of(text: str, start: int, end: int, semicolons: bool) -> tuple[int, int]:
    for s, e in sentence_spans(text, semicolons=semicolons):
        if s <= start < e:
            return s, max(e, min(end, len(text)))
    return start, end


def _trim_span(text: str, s: int, e: int, limit: int = MAX_VI_CHARS) -> tuple[int, int]:
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


@dataclass
class _Ctx:
    doc: Document
    record: Record
    glossary: Glossary
    org_en: str | None
    subject_en: str
    place_en: str | None
    body_provinces: set[str]


# --- lead and people ---------------------------------------------------------------------------


def _lead_paragraph(doc: Document, record: Record) -> tuple[str, int]:
    """(paragraph id, offset) where the lead sentence starts."""
    ev = record.date_evidence
    if ev is not None:
        try:
            if doc.paragraph(ev.paragraph_id).kind == "body":
                return ev.paragraph_id, ev.start
        except KeyError:
            pass
    body = doc.body
    return (body[0].paragraph_id, 0) if body else ("", 0)


def _place_of_visit(text: str, glossary: Glossary) -> str | None:
    m = re.search(r"\btại\s+((?:Huyện ủy|Huyện uỷ|Thành ủy|Đảng ủy|UBND|huyện|xã|thị xã)\s+[^,.;]{2,40})", text)
    if not m:
        return None
    return glossary.org(m.group(1).strip())


def lead_fact(ctx: _Ctx) -> Fact | None:
    doc, record = ctx.doc, ctx.record
    pid, off = _lead_paragraph(doc, record)
    if not pid:
        return None
    text = doc.paragraph(pid).text
    s, e = _sentence_of(text, off, off, semicolons=False)
    # start at the date when it opens a clause ("Tiếp tục ..., chiều ngày 25/5, ...")
    if record.date_evidence is not None and record.date_evidence.paragraph_id == pid and s < record.date_evidence.start < e:
        before = text[s:record.date_evidence.start].rstrip()
        if before.endswith(","):
            s = record.date_evidence.start
    s, e = _trim_span(text, s, e)
    ev = _evidence(doc, pid, s, e)
    if ev is None:
        return None
    vi = _vi_clause(ev.quote)
    cites = [ev]

    # English: On <date>, <subject> held <event> [covering <period>].
    lead_text = ev.quote
    event = {
        "period_review": "a conference reviewing Party building work",
        "year_review": "a year-end review conference on Party building work",
        "mid_term_review": "a mid-term review conference",
        "executive_conference": "a conference of its Party Executive Committee",
        "inspection_visit": "an inspection visit",
        "other": "a conference",
    }[record.event_type]
    per = period_en(record.period)
    head = next((p for p in record.people if p.role == "head_of_delegation"), None)
    names: list[str] = []
    keep: list[str] = []
    org = ctx.org_en
    if org and record.province and record.province in ctx.body_provinces:
        # "X of Hà Giang province", not "Hà Giang Provincial X": the verifier reads a capitalised run
        # that starts with a surname (Hà, Lâm...) as a person's name
        org = f"{org} of {record.province} province"
    if record.event_type == "inspection_visit":
        who = f"a delegation of the {org}" if org else "a delegation"
        if head is not None and fold(head.name) in fold(lead_text):
            t = ctx.glossary.title(head.title) if head.title else None
            who += f" led by {head.name}" + (f", {t}," if t else "")
            names.append(head.name)
            keep += [t] if t else []
        where = f" at the {ctx.place_en}" if ctx.place_en else ""
        what = f" inspected Party building work{where}" + (f" in {per}" if per else "")
    else:
        who = f"the {org}" if org else "the Party organisation"
        sets_tasks = bool(re.search(r"triển khai\s+(?:nhiệm vụ|chương trình)", fold(lead_text)))
        if record.event_type == "executive_conference" and per:
            what = f" held {event} to review its work and set out the tasks for {per}"
        else:
            what = f" held {event}" + (f" covering {per}" if per else "")
            if sets_tasks:
                what += " and set out the tasks ahead"
    sources = [doc.paragraph(pid).text]
    en = None
    if record.date is not None:
        for with_year in (True, False):
            cand = _end(f"On {date_en(record.date, with_year)}, {who}{what}")
            if _numbers_ok(cand, sources):
                en = cand
                break
    if en is None:
        en = _end(_cap(f"{who}{what}"))
    return Fact(key="lead", vi=vi, en=en, citations=cites, names=names, keep=keep)


_ROLE_VI = {"chair": "chủ trì", "head_of_delegation": "làm trưởng đoàn", "attendee": "dự", "speaker": "dự và phát biểu tại",
            "presenter": "báo cáo tại"}
_ROLE_EN = {"chair": "chaired", "head_of_delegation": "led the delegation to", "attendee": "attended",
            "speaker": "attended and addressed", "presenter": "reported at"}


def people_fact(ctx: _Ctx, lead: Fact | None) -> Fact | None:
    """The chair (or the main guest) with their title, when not already named in the lead."""
    doc, record = ctx.doc, ctx.record
    in_lead = fold(lead.vi) if lead else ""
    order = {"chair": 0, "head_of_delegation": 1, "speaker": 2, "attendee": 3, "presenter": 4}
    cands = [p for p in record.people if p.role in order and fold(p.name) not in in_lead and _is_body(doc, p.evidence.paragraph_id)]
    if not cands:
        return None
    cands.sort(key=lambda p: order[p.role])
    chosen = cands[:2] if len(cands) > 1 and cands[0].role == "chair" and cands[1].role in ("speaker", "attendee") else cands[:1]
    event_vi = "buổi làm việc" if record.event_type == "inspection_visit" else "hội nghị"
    event_en = "the working session" if record.event_type == "inspection_visit" else "the conference"
    first = chosen[0]
    vi = f"Đồng chí {first.name}" + (f" - {first.title}" if first.title else "") + f" {_ROLE_VI[first.role]} {event_vi}"
    t = ctx.glossary.title(first.title) if first.title else None
    keep = [t] if t else []
    en = first.name + (f", {t}," if t else "") + f" {_ROLE_EN[first.role]} {event_en}"
    if len(chosen) == 2:
        second = chosen[1]
        vi += f", với sự tham dự của đồng chí {second.name}" + (f" - {second.title}" if second.title else "")
        t2 = ctx.glossary.title(second.title) if second.title else None
        keep += [t2] if t2 else []
        en += f", which was attended by {second.name}" + (f", {t2}" if t2 else "")
    return Fact(key="people", vi=_end(vi), en=_end(en), citations=[p.evidence for p in chosen],
                names=[p.name for p in chosen], keep=keep)


def _is_body(doc: Document, pid: str) -> bool:
    try:
        return doc.paragraph(pid).kind == "body"
    except KeyError:
        return False


# --- figures ----------------------------------------------------------------------------------


@dataclass
class _Fig:
    fig: Figure
    pos: int  # offset of raw in the paragraph
    end: int
    score: int = 0
    cat: str = "other"
    form: str = "np"  # vp | mod | clause | np | rating
    en: str = ""
    alone: str = ""  # the phrase as a clause when it has nothing to attach to
    target: bool = False
    rating: tuple[str, str] | None = None  # (subject, level)
    group: tuple[str, int, int] = ("", 0, 0)


_QUAL_BEFORE = [(r"trở lên\s+đạt\s*$", "at least "), (r"(?:hơn|trên)\s*$", "more than "), (r"gần\s*$", "nearly "), (r"(?:ít nhất|tối thiểu)\s*$", "at least "),
                (r"khoảng\s*$", "about "), (r"\btừ\s*$", "at least ")]


def _qualifier(before: str, after: str) -> str:
    for pat, en in _QUAL_BEFORE:
        if re.search(pat, before):
            return en
    if re.match(r"\s*(?:\S+\s+){0,4}?trở lên", after):
        return "at least "
    return ""


def _unit_en(g: Glossary, unit: str, value: float) -> str | None:
    if not unit or unit == "%":
        return None
    t = g.lookup(unit)
    if t is None:
        tr = g.translate(unit)
        return tr.text if tr.ok and not tr.names else None
    return (t.sg if value == 1 and t.sg else t.en) if t.kind == "unit" else None


_VERBS = [  # (pattern on the text just before the number, English verb)
    (r"kiểm tra,?\s*giám sát\s*$", "inspected and supervised"),
    (r"ban hành\s*$", "issued"),
    (r"(?:tổ chức\s+)?mở\s*$", "opened"),
    (r"đăng ký(?:\s+thực hiện)?(?:\s+mới)?\s*$", "registered"),
    (r"(?:khen thưởng|biểu dương)\s*$", "commended"),
    (r"thành lập mới\s*$", "established"),
    (r"cấp mới thẻ đảng cho\s*$", "issued new Party cards to"),
    (r"chuyển đảng chính thức cho\s*$", "granted full Party membership to"),
    (r"chuyển sinh hoạt đảng cho\s*$", "transferred the Party membership of"),
    (r"được\s*$", "held"),
]


def classify(f: _Fig, para: str, g: Glossary) -> None:
    """Score a figure's salience and write its English phrase (templates + glossary)."""
    fig = f.fig
    ss, se = _sentence_of(para, f.pos, f.end, semicolons=True)
    before = fold(para[max(ss, f.pos - 80):f.pos])
    after = fold(para[f.end:min(se, f.end + 120)])
    sentence = fold(para[ss:se])
    q = _qualifier(before, after)
    pct = fig.unit == "%" or fig.raw.strip().endswith("%")
    n = format_en(fig.value) + ("%" if pct else "")
    unit_en = _unit_en(g, fig.unit, fig.value)
    f.target = fig.kind == "target" or "phấn đấu" in sentence or bool(re.match(r"\s*(?:\S+\s+){0,4}?trở lên", after))
    tail = before[-40:]
    f.group = ("", ss, se)

    if "kết nạp" in tail and "đảng viên" in fold(fig.unit):
        f.cat = "admit"
        if f.target:
            f.score, f.form = 7, "np"
            f.en = f"admitting {q or 'at least '}{n} new Party members"
        else:
            f.score, f.form = 10, "vp"
            f.en = f"admitted {n} new Party members" + (f" against a target of {format_en(fig.target)}" if fig.target else "")
        return
    if pct and re.match(r"\s*(?:so với\s+)?chỉ tiêu", after) and re.search(r"đạt\s*$", before):
        f.cat, f.score, f.form = "admit_rate", 9, "mod"
        f.en = f"reaching {n} of the target"
        f.alone = f"{n} of the target was reached"
        return
    if "đảng viên" in fold(fig.unit) and re.search(r"(?:tổng số|toàn đảng bộ có)[^;]*$", before[-60:]):
        f.cat, f.score, f.form = "total", 8, "mod"
        f.en = f"bringing the total to {n} Party members"
        f.alone = f"the Party organisation has {n} Party members"
        return
    if unit_en and "grassroots" in unit_en and re.search(r"(?:sinh hoạt\s+)?ở\s*$", before):
        f.cat, f.score, f.form = "total", 8, "mod"
        f.en = f"in {n} {unit_en}"
        f.alone = f"there are {n} {unit_en}"
        return
    if pct:
        seg = after.split(";")[0]
        subj_text = seg
        if "tỷ lệ" in before:
            subj_text = before.rsplit("tỷ lệ", 1)[1]
            seg = subj_text
        m = re.search(r"hoàn thành (tốt|xuất sắc) nhiệm vụ", seg)
        if m:
            subj = None
            st = subj_text.strip()
            if st.startswith(("tccs", "tổ chức cơ sở")):
                subj = "grassroots Party organisations"
            elif st.startswith("đảng viên"):
                subj = "Party members"
            elif st.startswith("chi bộ"):
                subj = "Party cells and grassroots Party committees"
            if subj:
                f.cat, f.form = "rating", "rating"
                f.score = 6 if f.target else 7
                f.rating = (subj, "well" if m.group(1) == "tốt" else "excellently")
                f.en = f"{q}{n} of {subj}"
                return
        if re.search(r"tăng\s*(?:gần|hơn|trên)?\s*$", before) and "cùng kỳ" in after[:20]:
            f.cat, f.score, f.form = "economy", 5, "mod"
            f.en = f"up {q}{n} year on year"
            f.alone = f"growth was {q}{n} year on year"
            return
        if "giá trị sản xuất" in before:
            f.cat, f.score, f.form = "economy", 5, "clause"
            f.en = f"total production value reached {q}{n}" + (" of the plan" if after.strip().startswith("kế hoạch") else "")
            return
        if "giải ngân" in before[-40:]:
            f.cat, f.score, f.form = "economy", 4, "clause"
            f.en = f"capital disbursement reached {q}{n}"
            return
        f.score = 0  # a bare percentage we cannot name
        return
    if fig.target is not None and unit_en:
        f.cat, f.score, f.form = "ratio", 6 if "chỉ tiêu" in fold(fig.unit) else 4, "vp"
        verb = "met or exceeded" if "vượt" in tail else "completed" if "hoàn thành" in tail else "achieved"
        f.en = f"{verb} {format_en(fig.value)} of {format_en(fig.target)} {'planned ' if unit_en == 'items' else ''}{unit_en}"
        return
    if "mô hình" in fold(fig.unit) and ("dân vận khéo" in after[:30] or "quy chế dân chủ" in after[:30]):
        f.cat, f.score, f.form = "models", 4, "vp"
        kind = '"Skilful Mass Mobilisation"' if "dân vận khéo" in after[:30] else "grassroots democracy"
        new = "new " if re.search(r"mới\s*$", tail) else ""
        f.en = f"registered {q}{n} {new}{kind} models"
        return
    if "mô hình" in fold(fig.unit) and "tổng số" in before[-40:]:
        f.cat, f.score, f.form = "models", 4, "mod"
        f.en = f"bringing the total to {q}{n} models"
        f.alone = f"there are {q}{n} models in total"
        return
    if unit_en is None:
        f.score = 0
        return
    if "lượt" in fold(fig.unit):
        f.cat, f.score, f.form = "other", 3, "mod"
        f.en = f"with {q}{n} {unit_en}"
        f.alone = f"there were {q}{n} {unit_en}"
        return
    for pat, verb in _VERBS:
        if re.search(pat, tail):
            f.cat, f.score, f.form = "other", 3, "vp"
            f.en = f"{verb} {q}{n} {unit_en}"
            return
    f.cat, f.score, f.form = "other", 1, "np"
    f.en = f"{q}{n} {unit_en}"


def _figures_with_positions(doc: Document, record: Record) -> list[_Fig]:
    out: list[_Fig] = []
    taken: set[tuple[str, int]] = set()
    for fig in record.figures:
        ev = fig.evidence
        if not _is_body(doc, ev.paragraph_id):
            continue
        para = doc.paragraph(ev.paragraph_id).text
        i = para.find(fig.raw, ev.start, ev.end)
        while i >= 0 and (ev.paragraph_id, i) in taken:
            i = para.find(fig.raw, i + 1, ev.end)
        if i < 0:
            continue
        taken.add((ev.paragraph_id, i))
        out.append(_Fig(fig=fig, pos=i, end=i + len(fig.raw)))
    return out


def _target_year(para: str, pos: int) -> str | None:
    m = None
    for m in re.finditer(r"(?:^|[.;]\s*)(?:Trong\s+)?[Nn]ăm\s+(\d{4})\s*,", para[:pos + 30]):
        pass
    return m.group(1) if m else None


def figure_facts(ctx: _Ctx) -> list[Fact]:
    doc, record, g = ctx.doc, ctx.record, ctx.glossary
    figs = _figures_with_positions(doc, record)
    for f in figs:
        classify(f, doc.paragraph(f.fig.evidence.paragraph_id).text, g)
        f.group = (f.fig.evidence.paragraph_id, f.group[1], f.group[2])
    # groups: the ';'-clauses of the source, ranked by their most salient figure
    groups: dict[tuple[str, int, int], list[_Fig]] = {}
    for f in figs:
        if f.score > 0:
            groups.setdefault(f.group, []).append(f)
    ranked = sorted(groups.items(), key=lambda kv: (-max(x.score for x in kv[1]), kv[0][0], kv[0][1]))
    chosen: list[list[_Fig]] = []
    for key, members in ranked:
        best = max(x.score for x in members)
        if best < 3:
            break
        members = [x for x in members if x.score >= 3 or x.form in ("mod", "rating")]
        is_target = any(x.target for x in members)
        merged = False
        for grp in chosen:
            gk = grp[0].group
            if gk[0] == key[0] and any(x.target for x in grp) == is_target:
                s = min(gk[1], key[1], *(x.group[1] for x in grp))
                e = max(gk[2], key[2], *(x.group[2] for x in grp))
                if e - s <= MAX_VI_CHARS and (abs(key[1] - gk[2]) < 160 or abs(gk[1] - key[2]) < 160):
                    grp.extend(members)
                    merged = True
                    break
        if not merged:
            if len(chosen) >= MAX_FIGURE_FACTS:
                continue
            chosen.append(list(members))
    facts = [f for grp in chosen if (f := _group_fact(ctx, grp)) is not None]
    facts.sort(key=lambda fa: (_para_index(doc, fa.citations[0].paragraph_id), fa.citations[0].start))
    return facts


def _para_index(doc: Document, pid: str) -> int:
    return next((i for i, p in enumerate(doc.paragraphs) if p.paragraph_id == pid), 0)


def _group_fact(ctx: _Ctx, grp: list[_Fig]) -> Fact | None:
    doc, record = ctx.doc, ctx.record
    grp = sorted({id(x): x for x in grp}.values(), key=lambda x: x.pos)
    pid = grp[0].fig.evidence.paragraph_id
    para = doc.paragraph(pid).text
    # Vietnamese: from the first figure's clause to the last one's, widened to the ';'-clause
    s = min(x.fig.evidence.start for x in grp)
    e = max(x.fig.evidence.end for x in grp)
    cs, _ = _sentence_of(para, s, s, semicolons=True)
    _, ce = _sentence_of(para, e - 1, e - 1, semicolons=True)
    if s - cs <= 70:
        s = cs
    if ce - e <= 50:
        e = ce
    if e - s > MAX_VI_CHARS + 120:
        grp = [x for x in grp if x.fig.evidence.start < s + MAX_VI_CHARS]
        e = max(x.fig.evidence.end for x in grp)
    ev = _evidence(doc, pid, s, e)
    if ev is None:
        return None
    is_target = any(x.target for x in grp)
    vi = _vi_clause(ev.quote)
    prefix_needed = not re.match(r"\s*(?:(?:trong|qua|đến)\s+)?(?:\d+\s+tháng|năm|quý|\w+\s+\d{4})", fold(vi))
    if prefix_needed:
        if is_target:
            y = _target_year(para, s)
            vi = (f"Năm {y}, " if y else "Thời gian tới, ") + vi[:1].lower() + vi[1:]
        elif record.period:
            vi = f"Trong {record.period}, " + vi[:1].lower() + vi[1:]

    en = _group_en(ctx, grp, is_target, para, s)
    values: list[float] = []
    for x in grp:
        values.append(x.fig.value)
        if x.fig.target is not None:
            values.append(x.fig.target)
    return Fact(key=f"fig:{pid}:{s}", vi=vi, en=en, citations=[ev], key_values=values)


_GERUNDS = {"established": "establishing", "admitted": "admitting", "opened": "opening", "registered": "registering",
            "issued": "issuing", "commended": "commending", "held": "holding", "completed": "completing",
            "achieved": "achieving", "inspected": "inspecting", "granted": "granting", "transferred": "transferring"}


def _group_en(ctx: _Ctx, grp: list[_Fig], is_target: bool, para: str, start: int) -> str:
    subject = ctx.subject_en
    if is_target:
        nps: list[str] = []
        ratings: dict[str, list[str]] = {}
        for x in grp:
            if x.form == "rating" and x.rating:
                ratings.setdefault(x.rating[1], []).append(x.en)
            elif x.form == "vp":
                verb, _, rest = x.en.partition(" ")
                nps.append(f"{_GERUNDS.get(verb, verb)} {rest}")
            elif x.form in ("np", "mod", "clause"):
                nps.append(x.en if x.form != "mod" else (x.alone or x.en))
        for level, items in reversed(list(ratings.items())):
            nps.insert(0, f"{_join_and(items)} completing their tasks {level}")
        y = _target_year(para, start)
        lead = f"The targets for {y} include " if y else "The targets for the coming period include "
        return _end(lead + _join_and(nps))
    clauses: list[str] = []
    vps: list[str] = []
    ratings: dict[str, list[str]] = {}
    for x in grp:
        if x.form == "vp":
            vps.append(x.en)
        elif x.form == "mod":
            sep = " " if x.en.startswith("in ") else ", "
            if vps:
                vps[-1] += sep + x.en
            elif clauses:
                clauses[-1] += sep + x.en
            else:
                clauses.append(x.alone or x.en)
        elif x.form == "rating" and x.rating:
            ratings.setdefault(x.rating[1], []).append(x.en)
        elif x.form == "clause":
            clauses.append(x.en)
        else:
            vps.append(("recorded " + x.en) if not vps else x.en)
    for level, items in ratings.items():
        clauses.append(f"{_join_and(items)} completed their tasks {level}")
    for k in range(len(vps) - 1, 0, -1):
        v0, v1 = vps[k - 1].split(" ", 1)[0], vps[k].split(" ", 1)[0]
        if v0 == v1 and v0 in _GERUNDS:
            vps[k] = vps[k].split(" ", 1)[1]
    parts: list[str] = []
    if vps:
        parts.append(f"{subject} {_join_and(vps)}")
    parts.extend(clauses)
    text = "; ".join(parts) if len(parts) > 2 else ", and ".join(parts)
    per = period_en(ctx.record.period)
    if per:
        text = f"In {per}, {text}"
    return _end(_cap(text))


# --- documents ------------------------------------------------------------------------------


def documents_fact(ctx: _Ctx) -> Fact | None:
    """The Party documents the article centres on (used when it states few figures)."""
    doc, g = ctx.doc, ctx.glossary
    refs = [d for d in ctx.record.documents if _is_body(doc, d.evidence.paragraph_id)]
    if not refs:
        return None
    pid = refs[0].evidence.paragraph_id
    para = doc.paragraph(pid).text
    s, e = _sentence_of(para, refs[0].evidence.start, refs[0].evidence.start, semicolons=True)
    s, e = _trim_span(para, s, e)
    ev = _evidence(doc, pid, s, e)
    if ev is None:
        return None
    inside = [d for d in refs if d.evidence.paragraph_id == pid and d.code in ev.quote]
    parts = []
    for d in inside:
        t = g.lookup(d.type) if d.type else None
        issuer = g.org(d.issuer) if d.issuer else None
        parts.append((t.en + " " if t else "") + d.code + (f" of the {issuer}" if issuer else ""))
    if not parts:
        return None
    return Fact(key="documents", vi=_vi_clause(ev.quote), en=_end(f"The work focused on implementing {_join_and(parts)}"),
                citations=[ev], keep=[d.code for d in inside])


# --- awards -----------------------------------------------------------------------------------


def award_fact(ctx: _Ctx) -> Fact | None:
    doc, g = ctx.doc, ctx.glossary
    awards = [a for a in ctx.record.awards if _is_body(doc, a.evidence.paragraph_id)]
    if not awards:
        return None
    pid = awards[0].evidence.paragraph_id
    awards = [a for a in awards if a.evidence.paragraph_id == pid]
    para = doc.paragraph(pid).text
    s = awards[0].evidence.start
    e = max(a.evidence.end for a in awards)
    ss, _ = _sentence_of(para, s, s, semicolons=False)
    if s - ss <= 70:
        s = ss
    _, se = _sentence_of(para, e - 1, e - 1, semicolons=False)
    if se - e <= 50 or se - s <= MAX_VI_CHARS:
        e = se
    if e - s > MAX_VI_CHARS + 60:
        e = awards[0].evidence.end
        awards = awards[:1]
    ev = _evidence(doc, pid, s, e)
    if ev is None:
        return None
    vi = _vi_clause(ev.quote)
    parts: list[str] = []
    values: list[float] = []
    from .numbers import find_numbers

    for a in awards:
        term = g.lookup(a.name)
        rec = g.translate(a.recipients) if a.recipients else None
        if term is None or rec is None or not rec.ok or rec.names:
            continue
        nums = [sp for sp in find_numbers(a.recipients) if sp.kind in ("number",)]
        one = len(nums) == 1 and nums[0].value == 1
        parts.append(f"{(term.sg if one and term.sg else term.en)} to {rec.text}")
        values.extend(sp.value for sp in nums)
    if not parts:
        return None
    if len(parts) == 1:
        en = f"{_cap(parts[0].split(' to ', 1)[0])} were presented to {parts[0].split(' to ', 1)[1]}"
    else:
        en = "The awards presented included " + "; ".join(parts[:-1]) + "; and " + parts[-1]
    return Fact(key="awards", vi=vi, en=_end(en), citations=[ev], key_values=values)


# --- verification -----------------------------------------------------------------------------

_VI_STOPWORDS = frozenset(
    """va cua cac nhung duoc trong voi cho nam tinh huyen khoi dang uy vien chuc hien nhiem thanh tot ket nap moi
    tong dat hoan xay dung nghiep quan vu cong tac thuc nguoi lam theo tren nhu ve viec mot hai nay khi tu cuoc
    hoi nghi chi bo dan kheo nhan dip tang giay khen bang co thi dua truong pho thu bi""".split()
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_ALWAYS_NAMES = ("Hồ Chí Minh",)
_PLACE_RE = re.compile(r"(?:huyện|xã|thị trấn|thị xã|tỉnh|thành phố|Huyện ủy|Huyện uỷ|Tỉnh ủy|Tỉnh uỷ|UBND huyện)\s+((?:[A-ZĐ]\w*\s?){1,3})")


def name_tokens(doc: Document | None, record: Record | None) -> set[str]:
    """Folded syllables of person and place names (set aside when measuring Vietnamese words)."""
    from .gazetteer import PROVINCES

    names: list[str] = list(_ALWAYS_NAMES)
    if record is not None:
        names += [p.name for p in record.people]
        if record.province:
            names.append(record.province)
    names += [n for canon, extra in PROVINCES.items() for n in [canon, *extra]]
    if doc is not None:
        names += [m.group(1) for m in _PLACE_RE.finditer(doc.text)]
    return {fold(w) for n in names for w in _WORD_RE.findall(n)}


def vietnamese_share(text: str, exclude: set[str] = frozenset()) -> tuple[int, int]:
    """(Vietnamese words, all words) of `text`, names set aside. A word is Vietnamese when it has a
    letter outside ASCII (ă â đ ê ô ơ ư or a tone mark) or is a common Vietnamese word written
    without marks (a small stopword list); words of person/place names in `exclude` are not counted."""
    vi = total = 0
    for w in _WORD_RE.findall(nfc(text)):
        fw = fold(w)
        if fw in exclude:
            continue
        total += 1
        if not w.isascii() or fw in _VI_STOPWORDS:
            vi += 1
    return vi, total


def vi_ratio(text: str, exclude: set[str] = frozenset()) -> float:
    vi, total = vietnamese_share(text, exclude)
    return vi / total if total else 0.0


def _numbers_ok(text: str, sources: Sequence[str], notation: str = "auto") -> bool:
    from .verify import unsupported_numbers

    return not unsupported_numbers(text, sources, notation)  # type: ignore[arg-type]


def article_provinces(doc: Document) -> set[str]:
    """Provinces the article itself names (title, dateline, body, captions)."""
    from .gazetteer import find_provinces

    return {n for n, _, _ in find_provinces("\n".join(source_paragraphs(doc)))}


def foreign_provinces(text: str, body_provinces: set[str]) -> list[str]:
    """Provinces named in `text` that the article does not name."""
    from .gazetteer import find_provinces

    return [name for name, _, _ in find_provinces(text) if name not in body_provinces]


def sentence_problems(text: str, sources: Sequence[str], *, lang: str, body_provinces: set[str],
                      exclude: set[str] = frozenset(), names: Iterable[str] = (), values: Iterable[float] = (),
                      keep: Iterable[str] = ()) -> list[str]:
    """Why a summary sentence may not be shown ([] when it may)."""
    from .numbers import same_value, values_in
    from .verify import check

    problems: list[str] = []
    v = check(text, list(sources), "vi" if lang == "vi" else "auto")
    if v.missing_numbers:
        problems.append(f"numbers not in the cited source: {v.missing_numbers}")
    if v.missing_names:
        problems.append(f"names not in the cited source: {v.missing_names}")
    if bad := foreign_provinces(text, body_provinces):
        problems.append(f"province the article does not name: {bad}")
    nt = nfc(text)
    for n in names:
        if nfc(n) not in nt:
            problems.append(f"name {n!r} missing or without its diacritics")
    for k in keep:
        if nfc(k) not in nt:
            problems.append(f"{k!r} not kept as it is")
    have = [x for vals in values_in(text, "vi" if lang == "vi" else "auto") for x in vals]
    for val in values:
        if not any(same_value(val, h) for h in have):
            problems.append(f"key figure {format_en(val)} missing")
    if lang == "en" and vi_ratio(text, exclude) >= VI_SHARE_LIMIT:
        problems.append("too many Vietnamese words")
    return problems


def _sources_of(doc: Document, cites: Iterable[Evidence]) -> list[str]:
    out: list[str] = []
    for c in cites:
        try:
            t = doc.paragraph(c.paragraph_id).text
        except KeyError:
            continue
        if t not in out:
            out.append(t)
    return out


# --- building ---------------------------------------------------------------------------------


def _context(doc: Document, record: Record, glossary: Glossary) -> _Ctx:
    provinces = article_provinces(doc)
    org_en = glossary.org(record.organization) if record.organization else None
    place_en = None
    if record.event_type == "inspection_visit":
        pid, _ = _lead_paragraph(doc, record)
        place_en = _place_of_visit(doc.paragraph(pid).text, glossary) if pid else None
    if place_en:
        subject = f"the {place_en}"
    elif org_en:
        short = re.search(r"(Bloc Party (?:Committee|Organisation)|District Party Committee|Provincial Party Committee)", org_en)
        subject = f"the {short.group(1)}" if short else f"the {org_en}"
    else:
        subject = "the Party organisation"
    return _Ctx(doc=doc, record=record, glossary=glossary, org_en=org_en, subject_en=subject, place_en=place_en,
                body_provinces=provinces)


def build_facts(doc: Document, record: Record, glossary: Glossary | None = None) -> list[Fact]:
    """The verified facts of one article, in summary order (lead, people, figures, awards).
    A fact whose Vietnamese sentence fails verification is dropped; one whose template English
    fails keeps its Vietnamese and is marked en_ok=False (its English is not shown)."""
    g = glossary or load_glossary()
    ctx = _context(doc, record, g)
    lead = lead_fact(ctx)
    figs = figure_facts(ctx)
    awards = award_fact(ctx)
    people = people_fact(ctx, lead)
    docs = documents_fact(ctx) if len(figs) < 2 else None
    facts = [f for f in [lead, docs, *figs, awards] if f is not None]
    if people is not None and len(facts) < MAX_SENTENCES:
        facts.insert(1 if lead else 0, people)
    facts = facts[:MAX_SENTENCES]
    exclude = name_tokens(doc, record)
    kept: list[Fact] = []
    for f in facts:
        sources = _sources_of(doc, f.citations)
        if sentence_problems(f.vi, sources, lang="vi", body_provinces=ctx.body_provinces, names=f.names, values=f.key_values):
            continue
        f.en_ok = not sentence_problems(f.en, sources, lang="en", body_provinces=ctx.body_provinces, exclude=exclude,
                                        names=f.names, values=f.key_values)
        kept.append(f)
    return kept


def _polish_messages(settings: "Settings", facts: list[Fact], glossary: Glossary) -> list[dict[str, str]]:
    from .prompts import render

    system, _ = render(settings, "summary_system")
    terms = []
    english = " ".join(f.en for f in facts)
    for f in facts:  # the glossary terms this article's facts use, to be kept as they are
        for t in glossary.terms_in(f.vi):
            if t.kind in ("org", "position", "term", "unit") and t.en and t.en in english and t not in terms:
                terms.append(t)
    names = [n for f in facts for n in f.names]
    user, _ = render(settings, "summary_polish_en", facts=[f.en for f in facts], terms=[t.en for t in terms][:12],
                     names=names)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


_LINE_RE = re.compile(r"^\s*(\d{1,2})\s*[.):]\s*(.+?)\s*$")


def parse_numbered(reply: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for line in reply.splitlines():
        m = _LINE_RE.match(line)
        if m:
            txt = m.group(2).strip().strip("*").strip()
            if len(txt) >= 2 and txt[0] == txt[-1] == '"':
                txt = txt[1:-1].strip()
            out.setdefault(int(m.group(1)), txt)
    return out


def _polish(doc: Document, record: Record, facts: list[Fact], llm: "LLM", settings: "Settings", glossary: Glossary,
            body_provinces: set[str], exclude: set[str], failures: list[str]) -> list[str | None]:
    """The model's English for each fact, or None where it is missing or fails verification.
    A failed model call is appended to `failures` (the summary is then not cached as the model's)."""
    out: list[str | None] = [None] * len(facts)
    # One call per article with a small output budget (the default model writes ~12 tokens/s on
    # 2 cores): the facts are polished in order while their template English fits the budget.
    shown: list[Fact] = []
    chars = 0
    for f in facts:
        if f.en_ok and chars + len(f.en) <= POLISH_BUDGET_CHARS:
            shown.append(f)
            chars += len(f.en)
    if not shown:
        return out
    messages = _polish_messages(settings, shown, glossary)
    max_tokens = min(max(settings.llm.max_tokens, 96), int(chars / 3.2) + 32)
    try:
        reply = llm.complete(messages, max_tokens=max_tokens)
    except LLMError as e:
        failures.append(str(e)[:200])
        return out
    lines = parse_numbered(reply if isinstance(reply, str) else str(reply))
    for k, f in enumerate(shown, start=1):
        cand = lines.get(k)
        if not cand or "\n" in cand or len(cand) > 2.2 * len(f.en) + 60:
            continue
        cand = _end(cand)
        sources = _sources_of(doc, f.citations)
        if sentence_problems(cand, sources, lang="en", body_provinces=body_provinces, exclude=exclude,
                             names=f.names, values=f.key_values, keep=f.keep):
            continue
        out[facts.index(f)] = cand
    return out


def strong_model(settings: "Settings") -> bool:
    """A model other than the small default: an OpenAI-compatible server or a user-chosen GGUF."""
    return bool(settings.llm.url or settings.llm.model_path)


_TAG_RE = re.compile(r"\[(p\d{3})\]")


def _free_write(doc: Document, record: Record, facts: list[Fact], llm: "LLM", settings: "Settings", glossary: Glossary,
                body_provinces: set[str], exclude: set[str], failures: list[str]) -> list[SummarySentence]:
    """Sentences the model wrote from the article body, each verified against the paragraphs it cites."""
    from .prompts import render

    system, _ = render(settings, "summary_system")
    paras = [p for p in doc.paragraphs if p.kind == "body"]
    terms = [t.en for t in glossary.terms_in(" ".join(p.text for p in paras)) if t.kind in ("org", "position", "term")][:15]
    names = [p.name for p in record.people if p.role != "author"]
    user, _ = render(settings, "summary_free_en", paragraphs=paras, facts=[f.en for f in facts if f.en_ok], terms=terms,
                     names=names)
    try:
        reply = llm.complete([{"role": "system", "content": system}, {"role": "user", "content": user}],
                             max_tokens=max(settings.llm.max_tokens, 300))
    except LLMError as e:
        failures.append(str(e)[:200])
        return []
    text = reply if isinstance(reply, str) else str(reply)
    out: list[SummarySentence] = []
    for s, e in sentence_spans(text.replace("\n", " "), semicolons=False):
        sent = text.replace("\n", " ")[s:e]
        pids = _TAG_RE.findall(sent)
        clean = _TAG_RE.sub("", sent).strip()
        clean = re.sub(r"\s+([.,;])", r"\1", clean)
        cites = []
        for pid in dict.fromkeys(pids):
            try:
                para = doc.paragraph(pid)
            except KeyError:
                continue
            cites.append(Evidence(doc_id=doc.doc_id, paragraph_id=pid, quote=para.text, start=0, end=len(para.text)))
        if not cites or len(clean) < 20:
            continue
        stated = [p.name for p in record.people if strip_marks(fold(p.name)) in strip_marks(fold(clean))]
        if sentence_problems(_end(clean), _sources_of(doc, cites), lang="en", body_provinces=body_provinces,
                             exclude=exclude, names=stated):
            continue
        out.append(SummarySentence(text=_end(clean), citations=cites))
    return out[:MAX_SENTENCES]


def summarise(doc: Document, record: Record, llm: "LLM | None", settings: "Settings") -> Summary:
    """A Vietnamese and an English summary of one article, every sentence cited and verified."""
    from .numbers import same_value, values_in

    glossary = load_glossary()
    _remember(doc)
    facts = build_facts(doc, record, glossary)
    ctx_prov = article_provinces(doc)
    exclude = name_tokens(doc, record)
    vi = [SummarySentence(text=f.vi, citations=f.citations) for f in facts]
    en: list[SummarySentence] = []
    failures: list[str] = []
    if llm is not None and strong_model(settings):
        en = _free_write(doc, record, facts, llm, settings, glossary, ctx_prov, exclude, failures)
        if en:
            have = [x for s in en for vals in values_in(s.text, "auto") for x in vals]
            for f in facts:
                if f.en_ok and not all(any(same_value(v, h) for h in have) for v in f.key_values):
                    en.append(SummarySentence(text=f.en, citations=f.citations))
                elif f.en_ok and f.names and not all(any(nfc(n) in s.text for s in en) for n in f.names):
                    en.append(SummarySentence(text=f.en, citations=f.citations))
    if not en:
        polished = (_polish(doc, record, facts, llm, settings, glossary, ctx_prov, exclude, failures)
                    if llm is not None else [None] * len(facts))
        en = [SummarySentence(text=p or f.en, citations=f.citations) for f, p in zip(facts, polished) if f.en_ok]
    # model is "" when no model (or a failing one) wrote it: summarise_store then recomputes next time
    model = getattr(llm, "name", "") if llm is not None and not failures else ""
    return Summary(doc_id=doc.doc_id, summary_vi=vi, summary_en=en, model=model,
                   prompt_version=summary_version(settings, record), content_hash=doc.content_hash)


# --- versions, cache, store -------------------------------------------------------------------


def prompt_version(settings: "Settings") -> str:
    """Code + prompt + glossary versions (the part of the cache key that does not depend on the article)."""
    from .prompts import version

    return f"s{CODE_VERSION}:" + ",".join(f"{n.removeprefix('summary_')}={version(settings, n)}" for n in PROMPTS) + \
        f",glossary={load_glossary().version}"


def _record_hash(record: Record) -> str:
    data = record.model_dump_json(exclude={"seconds"})
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:8]


def summary_version(settings: "Settings", record: Record) -> str:
    return f"{prompt_version(settings)}|record={_record_hash(record)}"


def expected_model_name(settings: "Settings") -> str:
    """The name the configured model will report, without loading it."""
    from pathlib import Path

    if settings.llm.url:
        return f"server:{settings.llm.api_model}"
    if settings.llm.model_path:
        return Path(settings.llm.model_path).stem
    try:
        from .models import load_manifest, preset_info

        return Path(preset_info(settings.llm.preset, load_manifest(settings.models_dir))["file"]).stem
    except Exception:  # noqa: BLE001 - only a cache key; a wrong guess just recomputes
        return settings.llm.preset


def is_current(summary: Summary | None, doc: Document, record: Record, model: str, settings: "Settings") -> bool:
    return (summary is not None and summary.content_hash == doc.content_hash and summary.model == model
            and summary.prompt_version == summary_version(settings, record))


def summarise_store(settings: "Settings", doc_ids: list[str] | None = None, force: bool = False, progress: bool = True,
                    llm: "LLM | None" = None, store: "Store | None" = None) -> list[Summary]:
    """Summaries of the stored documents (all, or doc_ids); records are extracted first where missing.
    Cached by (content hash, model, prompt version + record); the model is loaded only if needed."""
    from .store import Store

    store = store or Store(settings.store)
    docs = store.require_documents(doc_ids)
    for d in docs:
        _remember(d)
    holder: dict[str, "LLM"] = {}

    def get_llm() -> "LLM":
        if "llm" not in holder:
            if llm is not None:
                holder["llm"] = llm
            else:
                from .llm import load_llm

                holder["llm"] = load_llm(settings)
        return holder["llm"]

    records: dict[str, Record] = {}
    missing: list[str] = []
    for d in docs:
        r = store.get_record(d.doc_id)
        if r is None or r.content_hash != d.content_hash:
            missing.append(d.doc_id)
        else:
            records[d.doc_id] = r
    if missing:
        from .extract import extract_store

        for r in extract_store(settings, doc_ids=missing, force=False, progress=progress, llm=get_llm(), store=store):
            records[r.doc_id] = r

    model = llm.name if llm is not None else expected_model_name(settings)
    out: dict[str, Summary] = {}
    todo: list[Document] = []
    for d in docs:
        old = None if force else store.get_summary(d.doc_id)
        if is_current(old, d, records[d.doc_id], model, settings):
            out[d.doc_id] = old  # type: ignore[assignment]
        else:
            todo.append(d)

    def run_one(d: Document) -> None:
        s = summarise(d, records[d.doc_id], get_llm(), settings)
        s = s.model_copy(update={"model": model if s.model else ""})
        with store.lock():
            store.put_summary(s)
        out[d.doc_id] = s

    run_each(todo, run_one, label="summarise", show=progress, name=lambda d: d.doc_id)
    return [out[d.doc_id] for d in docs]


# --- JSON -------------------------------------------------------------------------------------

_PARAGRAPHS: dict[tuple[str, str], str] = {}


def _remember(doc: Document) -> None:
    for p in doc.paragraphs:
        _PARAGRAPHS[(doc.doc_id, p.paragraph_id)] = p.text


def summary_json(summary: Summary, doc: Document | None = None) -> dict:
    """{"doc_id", "summary_vi", "summary_en", "citations": [{doc_id, paragraph_id, text, quote,
    language, sentence}]} (../shared/gold/README.md). `text` is the full cited paragraph: from
    `doc` when given, else from the documents summarise/summarise_store loaded in this process."""
    if doc is not None:
        _remember(doc)
    cites: list[dict] = []
    for lang, sents in (("vi", summary.summary_vi), ("en", summary.summary_en)):
        for s in sents:
            for c in s.citations:
                cites.append({
                    "doc_id": c.doc_id,
                    "paragraph_id": c.paragraph_id,
                    "text": _PARAGRAPHS.get((c.doc_id, c.paragraph_id), c.quote),
                    "quote": c.quote,
                    "language": lang,
                    "sentence": s.text,
                })
    return {
        "doc_id": summary.doc_id,
        "summary_vi": " ".join(s.text for s in summary.summary_vi),
        "summary_en": " ".join(s.text for s in summary.summary_en),
        "citations": cites,
    }
