"""Document + verified Record -> the facts to state -> a verified bilingual Summary."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..vi.event_names import load_events
from ..vi.glossary import Glossary, load_glossary
from ..schemas import Document, Record, Summary, SummarySentence
from ..settings import SummarySettings
from ..vi.text import fold, nfc
from .cache import remember, summary_version
from .base import Ctx, Fact, article_provinces, fact_problems, name_tokens, source_paragraphs
from .figures import award_fact, documents_fact, figure_facts, figure_positions
from .lead import event_type, inspection_parties, lead_fact, lead_paragraph, people_fact
from .polish import free_write, polish, strong_model

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings


def context(doc: Document, record: Record, glossary: Glossary | None = None, settings: SummarySettings | None = None) -> Ctx:
    g = glossary or load_glossary()
    record = _with_subjects(doc, record, g)
    org_en = _speakable(g.org(record.organization), source_paragraphs(doc)) if record.organization else None
    ctx = Ctx(doc=doc, record=record, glossary=g, events=load_events(), settings=settings or SummarySettings(),
              org_en=org_en, body_provinces=article_provinces(doc), sources=source_paragraphs(doc),
              exclude=name_tokens(doc, record))
    ctx.event_type = event_type(doc, record, ctx.events)
    if ctx.event_type in ("inspection_visit", "inspection_announcement"):
        pid, off = lead_paragraph(doc, record)
        if pid:
            inspector, inspected, ctx.inspection_verb = inspection_parties(doc.paragraph(pid).text[off:], g)
            ctx.inspection = (inspector, inspected)
    return ctx


_NAME_FIRST_RE = re.compile(r"^((?:[A-ZĐ][^\W\d_]*\s){1,3}?)((?:Provincial|District|City|Commune|Town|Ward)\b.*)$")


def _speakable(org_en: str | None, sources: list[str]) -> str | None:
    """`org_en`, or with its place name moved after it ("Hoằng Hoá District People's Council" -> "District
    People's Council of Hoằng Hoá") when the name finder would read the name and the English words
    after it as a person; None when neither form passes."""
    from ..verify import unsupported_names

    if not org_en or not unsupported_names(f"The {org_en} met.", sources):
        return org_en
    m = _NAME_FIRST_RE.match(org_en)
    if m and not unsupported_names(f"The {(alt := f'{m.group(2)} of {m.group(1).strip()}')} met.", sources):
        return alt
    return None


def _with_subjects(doc: Document, record: Record, g: Glossary) -> Record:
    """The record, each figure with the English label read from its own clause (toolkit.figure_en: 'kết nạp mới
    155 đảng viên' -> 'Party members admitted', 'tổng giá trị sản xuất ... đạt 23.300 tỷ đồng' -> 'total production
    value'), or its own label_en where that is a gloss of its clause's words, or none; the verifier then checks
    every sentence against these subjects."""
    from ..figure_en import with_english_labels

    figures = with_english_labels(doc, record.figures, g)
    if all(a is b for a, b in zip(figures, record.figures)):
        return record
    return record.model_copy(update={"figures": figures})


def build_facts(doc: Document, record: Record, glossary: Glossary | None = None,
                settings: SummarySettings | None = None) -> list[Fact]:
    """The verified facts of one article, in summary order (lead, people, documents, figures, awards).
    A fact whose Vietnamese sentence fails verification is dropped; one whose English fails keeps its
    Vietnamese and is marked en_ok=False (its English is not shown)."""
    return _facts(context(doc, record, glossary, settings))


def _facts(ctx: Ctx) -> list[Fact]:
    lead = lead_fact(ctx)
    figs = figure_facts(ctx)
    awards = award_fact(ctx)
    people = people_fact(ctx, lead)
    docs = documents_fact(ctx) if len(figs) < 2 else None
    if docs is not None and lead is not None and all(k in lead.en for k in docs.keep):
        docs = None  # the lead already names the documents
    facts = [f for f in [lead, docs, *figs, awards] if f is not None]
    if people is not None and len(facts) < ctx.settings.max_sentences:
        facts.insert(1 if lead else 0, people)
    kept: list[Fact] = []
    for f in facts[:ctx.settings.max_sentences]:
        if f.key != "people" and any(_overlap(f, k) or fold(f.vi) == fold(k.vi) for k in kept):
            continue  # two facts from one source clause (an award that is also a figure): said once
        if f.vi_ok and fact_problems(ctx, f.vi, "vi", f.citations, names=f.names, values=f.key_values):
            continue
        f.en_ok = f.en_ok and bool(f.en) and not fact_problems(ctx, f.en, "en", f.citations, names=f.names,
                                                               values=f.key_values, extra=f.extra)
        kept.append(f)
    return kept


def _overlap(a: Fact, b: Fact) -> bool:
    return any(x.paragraph_id == y.paragraph_id and x.start < y.end and y.start < x.end
               for x in a.citations for y in b.citations)


def summarise(doc: Document, record: Record, llm: "LLM | None", settings: "Settings") -> Summary:
    """A Vietnamese and an English summary of one article, every sentence cited and verified."""
    from ..vi.numbers import same_value, values_in

    remember(doc)
    ctx = context(doc, record, settings=settings.summary)
    facts = _facts(ctx)
    vi = [SummarySentence(text=f.vi, citations=f.citations) for f in facts if f.vi_ok]
    en: list[SummarySentence] = []
    failures: list[str] = []
    use_model = llm is not None and settings.summary.polish
    if use_model and strong_model(settings):
        en = free_write(ctx, facts, llm, settings, failures)
        if en:
            have = [x for s in en for vals in values_in(s.text, "auto") for x in vals]
            for f in facts:
                missing_value = not all(any(same_value(v, h) for h in have) for v in f.key_values)
                missing_name = f.names and not all(any(nfc(n) in s.text for s in en) for n in f.names)
                if f.en_ok and (missing_value or missing_name):
                    en.append(SummarySentence(text=f.en, citations=f.citations))
    if not en:
        polished = polish(ctx, facts, llm, settings, failures) if use_model else [None] * len(facts)
        en = [SummarySentence(text=p or f.en, citations=f.citations) for f, p in zip(facts, polished) if f.en_ok]
    # model is "" when no model (or a failing one) wrote it: summarise_store then recomputes next time
    model = getattr(llm, "name", "") if use_model and not failures else ""
    return Summary(doc_id=doc.doc_id, summary_vi=vi, summary_en=en, model=model,
                   prompt_version=summary_version(settings, record), content_hash=doc.content_hash)
