"""Grounded extraction: Document -> verified Record.

The code decides, the model labels:
1. `toolkit.extract.gather.build(doc)` reads every number, name, title, date, code and award from the
   source text (deterministic).
2. The model only labels them, in parts that share one prompt prefix (system + instructions +
   article body) so llama.cpp reuses its KV cache: a label and kind per number, a role per person,
   and the event type when the keyword rules are unsure. Replies are schema-bound (grammar),
   list lengths and max_tokens are bounded.
3. Every model answer is validated (ids must exist, enums, a label must come from its clause and
   carry no number); an invalid answer falls back to the deterministic default and is counted in
   Record.rejected.
4. Every item gets Evidence through `toolkit.verify.evidence_for`; an item whose quote is not in
   its paragraph, whose value does not follow from its raw text, or whose name/code is not in the
   quote is dropped and counted in Record.rejected with a reason.

`extract_store` caches records in the store by (content_hash, model, prompt_version).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterable

from ..llm.parallel import workers_for
from ..progress import run_each
from . import candidates as cands, gather
from ..schemas import Award, Document, DocumentRef, Figure, Person, Record
from ..vi.text import fold
from .labels import _Prompter, _Tally, label_event, label_figures, label_people, prompt_version
from .people import author_candidates

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings
    from ..store import Store


# --- verification -----------------------------------------------------------------------------


def verify_items(doc: Document, people: Iterable[Person], figures: Iterable[Figure], documents: Iterable[DocumentRef],
                 awards: Iterable[Award], tally: _Tally) -> tuple[list[Person], list[Figure], list[DocumentRef], list[Award]]:
    """Re-derive every item's Evidence from the source; drop (and count) anything unsupported."""
    from ..vi.codes import CODE_RE, normalize_code
    from ..vi.numbers import parse_number, same_value
    from ..verify import evidence_for

    def keep(items, what, problem) -> list:
        """The items whose quote is in its paragraph and which pass `problem(item, quote)` (None = no
        problem), each with its re-derived Evidence; the others dropped and counted."""
        kept = []
        for item in items:
            e = evidence_for(doc, item.evidence.paragraph_id, item.evidence.quote)
            if e is None:
                tally.reject(f"dropped {what(item)}: quote not in paragraph {item.evidence.paragraph_id}")
                continue
            reason = problem(item, e.quote)
            if reason:
                tally.reject(f"dropped {what(item)}: {reason}")
                continue
            kept.append(item.model_copy(update={"evidence": e}))
        return kept

    def person_problem(p: Person, quote: str) -> str | None:
        if fold(p.name) not in fold(quote) or (p.title and fold(p.title) not in fold(quote)):
            return "name or title not in its quote"
        return None

    def figure_problem(f: Figure, quote: str) -> str | None:
        if f.raw not in quote:
            return "raw text not in its quote"
        # a ratio '152/150' is the result 152 against the target 150
        values = parse_number(f.raw.split("/")[0] if f.target is not None else f.raw, "vi")
        if not any(same_value(f.value, v) for v in values):
            return f"value {f.value:g} does not follow from the raw text"
        if f.target is not None:
            parts = f.raw.split("/")
            if len(parts) != 2 or not any(same_value(f.target, v) for v in parse_number(parts[1], "vi")):
                return f"target {f.target:g} not in the raw text"
        return None

    kept_people = keep(people, lambda p: f"person {p.name!r}", person_problem)
    kept_figures = keep(figures, lambda f: f"figure {f.raw!r}", figure_problem)
    kept_docs = keep(documents, lambda d: f"document {d.code!r}",  # "18 -NQ/TW" as written is the code 18-NQ/TW
                     lambda d, quote: None if d.code in quote or any(normalize_code(m.group(0)) == d.code
                                                                     for m in CODE_RE.finditer(quote)) else "code not in its quote")
    kept_awards = keep(awards, lambda a: f"award {a.name!r}",
                       lambda a, quote: None if fold(a.name) in fold(quote) else "name not in its quote")
    return kept_people, kept_figures, kept_docs, kept_awards


# --- one document -----------------------------------------------------------------------------


def _draft_evidence(doc: Document, paragraph_id: str, quote: str):
    from ..schemas import Evidence

    return Evidence(doc_id=doc.doc_id, paragraph_id=paragraph_id, quote=quote, start=0, end=len(quote))


def extract(doc: Document, llm: "LLM", settings: "Settings") -> Record:
    """A verified Record for one document (model labels candidates; code decides the facts), or with
    settings.extract.extractor == "model" the model's whole record grounded item by item. Each figure's English
    label is the proposed one when every word of it renders a word of the figure's clause, else the clause's
    reading through the glossary, else empty (toolkit.figure_en.english_label)."""
    from ..figure_en import with_english_labels

    if settings.extract.extractor == "model":
        rec = _extract_model(doc, llm, settings)
    else:
        rec = _extract_candidates(doc, llm, settings)
    return rec.model_copy(update={"figures": with_english_labels(doc, rec.figures)})


def _extract_model(doc: Document, llm: "LLM", settings: "Settings") -> Record:
    """The model's whole record, or, when its bounded call gave no valid reply (cut at model_max_tokens, past
    model_seconds, invalid), the candidates extractor's record with that reason first in rejected_reasons."""
    from ..errors import LLMError
    from .model import extract_with_model

    t0 = time.perf_counter()
    try:
        return extract_with_model(doc, llm, settings)
    except LLMError as e:
        spent = time.perf_counter() - t0
        rec = _extract_candidates(doc, llm, settings)
        why = f"model record dropped after {spent:.0f} s ({str(e).splitlines()[0][:200]}); the candidates extractor's record is used"
        return rec.model_copy(update={"rejected": rec.rejected + 1, "rejected_reasons": [why, *rec.rejected_reasons],
                                      "seconds": round(time.perf_counter() - t0, 3)})


def _extract_candidates(doc: Document, llm: "LLM", settings: "Settings") -> Record:
    from ..verify import evidence_for

    t0 = time.perf_counter()
    c = gather.build(doc)
    tally = _Tally()
    # figure labels and roles share the article prefix; roles alone read only the sentences naming people
    prompter = _Prompter(doc, settings, article=settings.extract.model_labels)

    fig_labels = label_figures(c.figures, prompter, llm, settings, tally) if c.figures else {}
    roles = label_people(c.people, prompter, llm, settings, tally) if c.people else {}
    event_type = label_event(c, prompter, llm, settings, tally)

    figures = [
        Figure(label=fig_labels[f.id][0], label_en=fig_labels[f.id][2], value=f.value, unit=f.unit, raw=f.raw, kind=fig_labels[f.id][1], target=f.target,
               evidence=_draft_evidence(doc, f.paragraph_id, f.quote))
        for f in c.figures
    ]
    people = [
        Person(name=p.name, title=p.title, role=roles.get(p.id, p.default_role), evidence=_draft_evidence(doc, p.paragraph_id, p.quote))
        for p in c.people
    ]
    people += [
        Person(name=a.name, title="", role="author", evidence=_draft_evidence(doc, a.paragraph_id, a.quote))
        for a in author_candidates(doc) if fold(a.name) not in {fold(p.name) for p in people}
    ]
    documents = [
        DocumentRef(code=d.code, type=d.type, issuer=d.issuer, date=d.date, evidence=_draft_evidence(doc, d.paragraph_id, d.quote))
        for d in c.documents
    ]
    awards = [Award(name=a.name, recipients=a.recipients, evidence=_draft_evidence(doc, a.paragraph_id, a.quote)) for a in c.awards]
    people, figures, documents, awards = verify_items(doc, people, figures, documents, awards, tally)

    date, inferred, date_ev = None, False, None
    if c.date is not None:
        date_ev = evidence_for(doc, c.date.paragraph_id, c.date.quote)
        if date_ev is None:
            tally.reject(f"dropped date {c.date.date}: dateline not in paragraph {c.date.paragraph_id}")
        else:
            date, inferred = c.date.date, c.date.inferred_year

    return Record(
        doc_id=doc.doc_id,
        title=doc.title,
        date=date,
        date_inferred_year=inferred,
        date_evidence=date_ev,
        province=c.province,
        organization=c.organization,
        event_type=event_type,
        period=c.period,
        people=people,
        figures=figures,
        documents=documents,
        awards=awards,
        rejected=len(tally.reasons),
        rejected_reasons=tally.reasons,
        model=getattr(llm, "name", type(llm).__name__),
        prompt_version=prompt_version(settings),
        content_hash=doc.content_hash,
        seconds=round(time.perf_counter() - t0, 3),
    )


# --- the store --------------------------------------------------------------------------------


def is_current(record: Record | None, doc: Document, model: str, version: str) -> bool:
    """True when a stored record was made from this content, by this model, with these prompts."""
    return (record is not None and record.content_hash == doc.content_hash and record.model == model
            and record.prompt_version == version)


def extract_store(settings: "Settings", doc_ids: list[str] | None = None, force: bool = False, progress: bool = True,
                  llm: "LLM | None" = None, store: "Store | None" = None) -> list[Record]:
    """Records for the stored documents (all, or doc_ids), reusing cached ones unless `force`."""
    from ..store import Store

    store = store or Store(settings.store)
    docs = store.require_documents(doc_ids)
    if llm is None:
        from ..llm import load_llm

        llm = load_llm(settings)
    model = getattr(llm, "name", type(llm).__name__)
    version = prompt_version(settings)

    records: dict[str, Record] = {}
    todo: list[Document] = []
    for d in docs:
        old = None if force else store.get_record(d.doc_id)
        if is_current(old, d, model, version):
            records[d.doc_id] = old  # type: ignore[assignment]
        else:
            todo.append(d)

    def save(d: Document, rec: Record) -> None:
        with store.lock():
            store.put_record(rec)
        records[d.doc_id] = rec

    # several documents at once only to a server that takes concurrent requests (llm.workers)
    run_each(todo, lambda d: extract(d, llm, settings), then=save, label="extract", show=progress,
             name=lambda d: d.doc_id, workers=workers_for(llm, settings.llm.workers))
    return [records[d.doc_id] for d in docs]
