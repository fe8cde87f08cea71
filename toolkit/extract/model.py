"""The model extractor (settings.extract.extractor = "model"): a stronger model fills the whole Record
through a schema (instructor / grammar), then every item is grounded to a source span or dropped.

Grounding, item by item (LangExtract-style): the quote must stand in a paragraph of the article; a person's
name must be a personal name inside that quote (toolkit.vi.names) and the title, when kept, too; a figure's
raw number must be a number of the quote (toolkit.vi.number_spans) and its value is read from the source, never
from the model; a code must be a document code of the quote; the date is read by toolkit.vi.dates from the
quoted words; the organisation must be a named body written in the article; the event type is kept only when
the keyword rules agree or found nothing else. Province and period are the rules'.

The one model call is bounded: settings.extract.model_max_tokens and a wall-clock budget,
settings.extract.model_seconds (llama.cpp stops generating at the deadline; instructor's retries then stop at
once). On 2 shared cores a 1.5B model's token rate falls several-fold (llama.cpp's threads wait on each
other), and an unbounded reply of up to 1,200 tokens, retried twice, looked like a hang. When the call gives no
valid reply, LLMError; `toolkit.extract.record.extract` then uses the candidates extractor's record and puts the
reason first in its rejected_reasons.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ..schemas import Document, DocumentRef, Figure, Person, Record
from ..vi.text import fold
from ..vi import dates, events
from ..vi.codes import CODE_RE, normalize_code
from ..vi.names import find_people
from . import candidates as cands
from .facts import date_context, event_type_of, named_body, period_of, province_of
from .figures import _as_written, default_label, label_problem, repair_label
from .labels import ROLES, _Prompter, _Tally, gloss, prompt_version

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings


# Bounded reply: short quotes (the words around the item, not its whole sentence) and no English gloss (the
# glossary reads it from the clause, toolkit.figure_en, as for the candidates extractor): the reply is the cost.
class _MPerson(BaseModel):
    name: str = Field(max_length=60)
    title: str = Field(default="", max_length=160)
    role: str = Field(default="attendee", json_schema_extra={"enum": list(ROLES)}, max_length=20)
    quote: str = Field(max_length=160)


class _MFigure(BaseModel):
    raw: str = Field(max_length=30)
    label: str = Field(default="", max_length=80)
    quote: str = Field(max_length=160)


class _MDocument(BaseModel):
    code: str = Field(max_length=30)
    quote: str = Field(max_length=200)


class ModelRecord(BaseModel):
    date_quote: str = Field(default="", max_length=80)
    event_type: str = Field(default="other", json_schema_extra={"enum": list(events.event_types())}, max_length=24)
    organization: str = Field(default="", max_length=120)
    people: list[_MPerson] = Field(default_factory=list, max_length=12)
    figures: list[_MFigure] = Field(default_factory=list, max_length=24)
    documents: list[_MDocument] = Field(default_factory=list, max_length=10)


def _locate(doc: Document, quote: str):
    """Evidence for quote in the first content paragraph (body, caption, lead title) that holds it."""
    from ..verify import evidence_for

    for p in cands.content_paragraphs(doc, captions=True, lead_title=True):
        e = evidence_for(doc, p.paragraph_id, quote)
        if e is not None:
            return e
    return None


def _person(doc: Document, m: _MPerson, tally: _Tally) -> Person | None:
    e = _locate(doc, m.quote)
    if e is None:
        tally.reject(f"dropped person {m.name!r}: quote not in the article")
        return None
    found = {fold(x.name): x for x in find_people(e.quote)}
    mention = found.get(fold(m.name.strip()))
    if mention is None:
        tally.reject(f"dropped person {m.name!r}: not a personal name of its quote")
        return None
    title = m.title.strip() if m.title.strip() and fold(m.title.strip()) in fold(e.quote) else mention.title
    role = m.role if m.role in ROLES else "attendee"
    return Person(name=mention.name, title=title, role=role, evidence=e)  # type: ignore[arg-type]


def _figure(doc: Document, m: _MFigure, tally: _Tally) -> Figure | None:
    from ..vi.number_spans import find_numbers

    e = _locate(doc, m.quote)
    if e is None or m.raw.strip() not in e.quote:
        tally.reject(f"dropped figure {m.raw!r}: not in a quote of the article")
        return None
    at = e.quote.find(m.raw.strip())
    span = next((n for n in find_numbers(e.quote) if n.start <= at < n.end and n.kind in ("number", "percent", "ratio")), None)
    if span is None:
        tally.reject(f"dropped figure {m.raw!r}: not a figure of its quote (a date, a year or a code)")
        return None
    raw, value, unit = _as_written(span.raw, float(span.value), (span.unit or "").strip())
    label = repair_label(m.label, unit)
    if not label or label_problem(label, e.quote):
        label = default_label(e.quote, span.start, span.start + len(raw), unit) or "số lượng"
    label_en = gloss(label)
    target = float(span.target) if span.target is not None else None
    return Figure(label=label, label_en=label_en, value=value, unit=unit, raw=raw, target=target,
                  kind="rate" if unit == "%" else "result", evidence=e)


def extract_with_model(doc: Document, llm: "LLM", settings: "Settings") -> Record:
    """A Record filled by the model and grounded item by item (see the module docstring). The model's call is
    bounded by settings.extract.model_max_tokens and model_seconds; when it yields no valid reply, LLMError."""
    t0 = time.perf_counter()
    tally = _Tally()
    prompter = _Prompter(doc, settings)
    # one bounded call: model_max_tokens and model_seconds; a failure is the caller's (record.extract falls back)
    reply = llm.complete(prompter.messages("extract_record", types=list(events.event_types())), schema=ModelRecord,
                         max_tokens=settings.extract.model_max_tokens, max_seconds=settings.extract.model_seconds)
    people = [p for m in reply.people if (p := _person(doc, m, tally))]
    people = list({fold(p.name): p for p in reversed(people)}.values())[::-1]
    figures = [f for m in reply.figures if (f := _figure(doc, m, tally))]
    documents = []
    for m in reply.documents:
        e = _locate(doc, m.quote)
        code = normalize_code(m.code)
        if e is None or not any(normalize_code(x.group(0)) == code for x in CODE_RE.finditer(e.quote)):
            tally.reject(f"dropped document {m.code!r}: not a code of a quote of the article")
            continue
        documents.append(DocumentRef(code=code, evidence=e))
    date = inferred = date_ev = None
    if reply.date_quote.strip():
        date_ev = _locate(doc, reply.date_quote.strip())
        datelines, marker = date_context(doc)
        text = doc.paragraph(date_ev.paragraph_id).text if date_ev else ""
        dm = next((x for x in dates.mentions(text) if date_ev and x.start < date_ev.end and date_ev.start < x.end), None)
        found = dates.date_of(text, dm, datelines, marker) if dm and dm.cued and not dm.cited and not dm.status else None
        if found is None:
            tally.reject(f"dropped date quote {reply.date_quote!r}: no meeting day in the article's words")
            date_ev = None
        else:
            date, inferred = found
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
