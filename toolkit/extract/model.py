"""The model extractor (settings.extract.extractor = "model"): the model fills the whole Record through a
compact schema (instructor / grammar), then every item is grounded to a source span or dropped.

The reply carries only what the record keeps and the code cannot ground by itself: names, titles, roles, the
number of each figure as written with a label, the codes, the words of the date, the kind of event and the
body. No quotes: each item is located in the article by its own words (LangExtract-style alignment), which is
what a quote would have been checked against anyway, and a quote is most of a reply's tokens.

Grounding, item by item, over the article's content paragraphs (body, captions, a lead title; never chrome):
- a person: a personal name the name finder reads (toolkit.vi.names) equal to the model's name; the evidence is
  the name finder's mention; the model's title is kept when it is written next to that name, else the finder's;
  its role is kept when it is attendee or cued by the person's own verb (toolkit.vi.roles), else the rule role;
- a figure: a number of the article written as the model's raw (a figure: not a date, a year, a code or a
  widget), in the clause that holds most of the label's words; the value, the unit and the evidence (the clause)
  are the source's, never the model's; the label is repaired (numbers and units stripped) and kept when its
  words stand in the clause, else the clause's default label;
- a code: a document code of the article (toolkit.vi.codes) equal to the model's once normalised;
- the date: read by toolkit.vi.dates from the quoted words (a meeting day, not a cited document's);
- the organisation: a named body written in the article; the event type: kept only when the keyword rules
  agree or found nothing else. Province and period are the rules'.

The one model call is bounded: settings.extract.model_max_tokens and a wall-clock budget,
settings.extract.model_seconds (llama.cpp stops generating at the deadline). When the call gives no valid reply,
LLMError; `toolkit.extract.record.extract` then uses the candidates extractor's record and puts the reason first
in its rejected_reasons.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from ..schemas import Document, DocumentRef, Evidence, Figure, Paragraph, Person, Record
from ..vi import dates, events
from ..vi.chrome import chrome_spans
from ..vi.codes import CODE_RE, normalize_code
from ..vi.names import find_people
from ..vi.text import clause_spans, fold, syllables
from . import candidates as cands
from .facts import date_context, event_type_of, named_body, period_of, province_of
from .figures import _as_written, default_label, label_problem, repair_label
from .labels import ROLES, _Prompter, _Tally, gloss, prompt_version
from .people import grounded_role, people_candidates

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings

_FIGURE_KINDS = ("number", "percent", "ratio")


class _MPerson(BaseModel):
    name: str = Field(max_length=40)
    title: str = Field(default="", max_length=100)
    role: str = Field(default="attendee", json_schema_extra={"enum": list(ROLES)}, max_length=20)


class _MFigure(BaseModel):
    raw: str = Field(max_length=20)
    label: str = Field(default="", max_length=60)


class ModelRecord(BaseModel):
    date_quote: str = Field(default="", max_length=40)
    event_type: str = Field(default="other", json_schema_extra={"enum": list(events.event_types())}, max_length=24)
    organization: str = Field(default="", max_length=100)
    people: list[_MPerson] = Field(default_factory=list, max_length=12)
    figures: list[_MFigure] = Field(default_factory=list, max_length=24)
    documents: list[Annotated[str, Field(max_length=24)]] = Field(default_factory=list, max_length=10)


def _span_evidence(doc: Document, p: Paragraph, start: int, end: int) -> Evidence:
    return Evidence(doc_id=doc.doc_id, paragraph_id=p.paragraph_id, quote=p.text[start:end], start=start, end=end)


def _locate(doc: Document, quote: str):
    """Evidence for quote in the first content paragraph (body, caption, lead title) that holds it."""
    from ..verify import evidence_for

    for p in cands.content_paragraphs(doc, captions=True, lead_title=True):
        e = evidence_for(doc, p.paragraph_id, quote)
        if e is not None:
            return e
    return None


def _person(doc: Document, paras: list[Paragraph], m: _MPerson, tally: _Tally) -> Person | None:
    """The model's person at the first mention the name finder reads with the same name (one with a title first)."""
    want, title = fold(m.name.strip()), m.title.strip()
    found = []
    for p in paras:
        for x in find_people(p.text):
            if fold(x.name) != want:
                continue
            s, e = x.quote_span
            near = fold(p.text[max(0, x.start - len(title) - 12):x.end + len(title) + 12])
            own = title if title and fold(title) in near else ""
            found.append((not (own or x.title), own or x.title, _span_evidence(doc, p, s, e), x.name))
    if not found:
        tally.reject(f"dropped person {m.name!r}: not a personal name of the article")
        return None
    _, t, ev, name = min(found, key=lambda f: f[0])
    role = m.role if m.role in ROLES else "attendee"
    return Person(name=name, title=t, role=role, evidence=ev)  # type: ignore[arg-type]


def _grounded_role(p: Person, cued: dict, tally: _Tally) -> Person:
    """The person with the model's role when the person's own clause states it (people.grounded_role), else the rule's."""
    role, why = grounded_role(p.role, cued.get(fold(p.name)))
    if why:
        tally.reject(f"person {p.name!r}: {why}")
    return p if role == p.role else p.model_copy(update={"role": role})


def _digits(raw: str) -> str:
    """The number of a raw as written, without its unit ('5,8 triệu đồng/người' -> '5,8'; '152/150' stays)."""
    return re.sub(r"[^\d.,/]", "", raw).strip("./,")


def _figure(doc: Document, paras: list[Paragraph], m: _MFigure, taken: set, tally: _Tally) -> Figure | None:
    """The model's figure at the number of the article written as its raw, in the clause holding most of its label."""
    from ..vi.number_spans import find_numbers

    want = _digits(m.raw)
    words = set(syllables(fold(repair_label(m.label))))
    best = None
    for p in paras:
        text = p.text
        skip = chrome_spans(text) + [(d.start, d.end) for d in dates.mentions(text) if d.cued or d.year]
        for n in find_numbers(text):
            if n.kind not in _FIGURE_KINDS or not want or _digits(n.raw) != want or (p.paragraph_id, n.start) in taken \
                    or any(s <= n.start < e for s, e in skip):
                continue
            cs, ce = cands.span_containing(clause_spans(text), n.start, n.end) or (n.start, n.end)
            score = len(words & set(syllables(fold(text[cs:ce]))))
            if best is None or score > best[0]:
                best = (score, p, n, cs, ce)
    if best is None:
        tally.reject(f"dropped figure {m.raw!r}: not a figure of the article (absent, or a date, a year, a code)")
        return None
    _, p, n, cs, ce = best
    taken.add((p.paragraph_id, n.start))
    e = _span_evidence(doc, p, cs, ce)
    raw, value, unit = _as_written(n.raw, float(n.value), (n.unit or "").strip())
    label = repair_label(m.label, unit)
    at = n.start - cs
    if not label or label_problem(label, e.quote):
        label = default_label(e.quote, at, at + len(raw), unit) or "số lượng"
    target = float(n.target) if n.target is not None else None
    return Figure(label=label, label_en=gloss(label), value=value, unit=unit, raw=raw, target=target,
                  kind="rate" if unit == "%" else "result", evidence=e)


def _document(doc: Document, paras: list[Paragraph], code: str, tally: _Tally) -> DocumentRef | None:
    want = normalize_code(code)
    for p in paras:
        for x in CODE_RE.finditer(p.text):
            if normalize_code(x.group(0)) == want:
                return DocumentRef(code=want, evidence=_span_evidence(doc, p, x.start(), x.end()))
    tally.reject(f"dropped document {code!r}: not a code of the article")
    return None


def _date(doc: Document, quote: str, tally: _Tally):
    """(date, inferred year, evidence) of the meeting day the quoted words state, or Nones."""
    ev = _locate(doc, quote) if quote else None
    if ev is None:
        if quote:
            tally.reject(f"dropped date quote {quote!r}: not in the article")
        return None, None, None
    datelines, marker = date_context(doc)
    text = doc.paragraph(ev.paragraph_id).text
    dm = next((x for x in dates.mentions(text) if x.start < ev.end and ev.start < x.end), None)
    found = dates.date_of(text, dm, datelines, marker) if dm and dm.cued and not dm.cited and not dm.status else None
    if found is None:
        tally.reject(f"dropped date quote {quote!r}: no meeting day in the article's words")
        return None, None, None
    return found[0], found[1], ev


def extract_with_model(doc: Document, llm: "LLM", settings: "Settings") -> Record:
    """A Record filled by the model and grounded item by item (see the module docstring). The model's call is
    bounded by settings.extract.model_max_tokens and model_seconds; when it yields no valid reply, LLMError."""
    t0 = time.perf_counter()
    tally = _Tally()
    prompter = _Prompter(doc, settings)
    reply = llm.complete(prompter.messages("extract_record", types=list(events.event_types())), schema=ModelRecord,
                         max_tokens=settings.extract.model_max_tokens, max_seconds=settings.extract.model_seconds)
    paras = cands.content_paragraphs(doc, captions=True, lead_title=True)
    people = [p for m in reply.people if (p := _person(doc, paras, m, tally))]
    people = list({fold(p.name): p for p in reversed(people)}.values())[::-1]
    people = [_grounded_role(p, cued, tally) for cued in [{fold(c.name): c for c in people_candidates(doc)}] for p in people]
    taken: set = set()
    # figures as the candidates extractor reads them: body and a lead title, then a headline the body may not repeat
    body = cands.content_paragraphs(doc, lead_title=True)
    body += [p for p in doc.paragraphs if p.kind == "title" and p not in body]
    figures = [f for m in reply.figures if (f := _figure(doc, body, m, taken, tally))]
    documents = list({d.code: d for c in reply.documents if (d := _document(doc, paras, c, tally))}.values())
    date, inferred, date_ev = _date(doc, reply.date_quote.strip(), tally)
    org = reply.organization.strip()
    if org and (fold(org) not in fold(doc.text) or named_body(org) != org):
        tally.reject(f"dropped organization {org!r}: not a named body of the article")
        org = ""
    rule_type, _, hints = event_type_of(doc)
    keyword_types = {t for t, _ in events.matches(*hints)} if hints else set()
    event_type = reply.event_type if reply.event_type in keyword_types else rule_type
    return Record(
        doc_id=doc.doc_id, title=doc.title, date=date, date_inferred_year=bool(inferred), date_evidence=date_ev,
        province=province_of(doc), organization=org or None, event_type=event_type,  # type: ignore[arg-type]
        period=period_of(doc, date.year if date else None), people=people, figures=figures, documents=documents,
        rejected=len(tally.reasons), rejected_reasons=tally.reasons, model=getattr(llm, "name", type(llm).__name__),
        prompt_version=prompt_version(settings), content_hash=doc.content_hash, seconds=round(time.perf_counter() - t0, 3),
    )
