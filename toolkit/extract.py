"""Grounded extraction: Document -> verified Record.

The code decides, the model labels:
1. `toolkit.candidates.build(doc)` reads every number, name, title, date, code and award from the
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

import re
import time
from typing import TYPE_CHECKING, Any, Iterable

from pydantic import BaseModel, Field, create_model

from .progress import run_each
from . import candidates as cands
from .errors import LLMError
from .schemas import Award, Document, DocumentRef, EventType, Figure, FigureKind, Person, Record, Role
from .textnorm import fold, syllables

if TYPE_CHECKING:
    from .llm import LLM
    from .settings import Settings
    from .store import Store

# Bump when candidate/verification logic changes in a way that changes records.
CODE_VERSION = "2"
PROMPTS = ("extract_system", "extract_article", "extract_figures", "extract_people", "extract_event")
FIGURE_BATCH = 8
PEOPLE_BATCH = 8
FIGURE_KINDS: tuple[str, ...] = ("result", "target", "rate", "count")
ROLES: tuple[str, ...] = ("chair", "attendee", "speaker", "head_of_delegation", "presenter")
EVENT_TYPES: tuple[str, ...] = ("year_review", "period_review", "mid_term_review", "executive_conference", "inspection_visit", "other")
LABEL_MAX_WORDS = 8
LABEL_MAX_CHARS = 60


# --- reply schemas (small, bounded) -----------------------------------------------------------
# Enums are put in the JSON schema (so llama.cpp's grammar only lets the model write valid ids,
# kinds and roles) but validated by our code, so that a wrong value from any backend is counted
# as a rejected label instead of failing the whole batch.


def figure_reply_schema(ids: list[str]) -> type[BaseModel]:
    item = create_model(
        "FigureLabel",
        id=(str, Field(json_schema_extra={"enum": list(ids)}, max_length=8)),
        label=(str, Field(max_length=LABEL_MAX_CHARS, description="<= 8 Vietnamese words from the clause")),
        kind=(str, Field(json_schema_extra={"enum": list(FIGURE_KINDS)}, max_length=10)),
    )
    return create_model("FigureLabels", items=(list[item], Field(max_length=len(ids))))  # type: ignore[valid-type]


def people_reply_schema(ids: list[str]) -> type[BaseModel]:
    item = create_model(
        "PersonRole",
        id=(str, Field(json_schema_extra={"enum": list(ids)}, max_length=8)),
        role=(str, Field(json_schema_extra={"enum": list(ROLES)}, max_length=20)),
    )
    return create_model("PersonRoles", items=(list[item], Field(max_length=len(ids))))  # type: ignore[valid-type]


class EventReply(BaseModel):
    event_type: str = Field(json_schema_extra={"enum": list(EVENT_TYPES)}, max_length=24)


def _max_tokens_for(n_items: int, per_item: int, settings: "Settings") -> int:
    return min(max(settings.llm.max_tokens, 64), 24 + per_item * n_items)


# --- prompts ----------------------------------------------------------------------------------


def prompt_version(settings: "Settings") -> str:
    """One string naming the code and every prompt version used by extraction (the cache key)."""
    from .prompts import version

    return f"x{CODE_VERSION}:" + ",".join(f"{n.removeprefix('extract_')}={version(settings, n)}" for n in PROMPTS)


def _article_chars(settings: "Settings") -> int:
    # ~2.8 characters per token for Vietnamese with Qwen's tokenizer; leave room for the task and reply.
    return max(1500, int((settings.llm.n_ctx - 1400) * 2.5))


class _Prompter:
    """Builds messages that share one prefix (system + article), so the KV cache is reused."""

    def __init__(self, doc: Document, settings: "Settings"):
        from .prompts import render

        self.settings = settings
        self.system, _ = render(settings, "extract_system")
        paras, used = [], 0
        budget = _article_chars(settings)
        for p in cands.content_paragraphs(doc, captions=True):
            if used + len(p.text) > budget:
                break
            paras.append(p)
            used += len(p.text)
        self.prefix, _ = render(settings, "extract_article", title=doc.title, paragraphs=paras)

    def messages(self, task: str, **variables: Any) -> list[dict[str, str]]:
        from .prompts import render

        suffix, _ = render(self.settings, task, **variables)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.prefix + suffix}]


# --- label validation -------------------------------------------------------------------------

_DIGIT_RE = re.compile(r"\d")


def label_problem(label: str, clause: str) -> str | None:
    """Why a model label is unusable, or None. A label must be short, carry no number and be
    made (mostly) of words of its clause, so the model cannot smuggle facts into it."""
    label = label.strip()
    if not label:
        return "empty label"
    if _DIGIT_RE.search(label):
        return f"label has a number: {label!r}"
    words = syllables(label)
    if not words:
        return f"label has no words: {label!r}"
    if len(words) > LABEL_MAX_WORDS:
        return f"label longer than {LABEL_MAX_WORDS} words"
    clause_words = set(syllables(clause))
    inside = sum(w in clause_words for w in words)
    if inside < max(1, round(0.6 * len(words))):
        return f"label not taken from its clause: {label!r}"
    return None


class _Tally:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def reject(self, reason: str) -> None:
        self.reasons.append(reason)


def _call(llm: "LLM", messages: list[dict[str, str]], schema: type[BaseModel], max_tokens: int, tally: _Tally, what: str):
    try:
        return llm.complete(messages, schema=schema, max_tokens=max_tokens)
    except LLMError as e:
        tally.reject(f"{what}: model reply unusable ({str(e)[:120]}); deterministic defaults used")
        return None


def label_figures(fcs: list[cands.FigureCandidate], prompter: _Prompter, llm: "LLM", settings: "Settings",
                  tally: _Tally) -> dict[str, tuple[str, FigureKind]]:
    """{candidate id: (label, kind)} for every candidate: the model's when valid, else the default."""
    out: dict[str, tuple[str, FigureKind]] = {}
    for batch in cands.batched(fcs, FIGURE_BATCH):
        ids = [c.id for c in batch]
        schema = figure_reply_schema(ids)
        reply = _call(llm, prompter.messages("extract_figures", candidates=batch), schema,
                      _max_tokens_for(len(batch), 40, settings), tally, f"figures {ids[0]}..{ids[-1]}")
        by_id = {c.id: c for c in batch}
        got: dict[str, tuple[str, FigureKind]] = {}
        for item in (reply.items if reply is not None else []):
            c = by_id.get(item.id)
            if c is None:
                tally.reject(f"figure label for unknown id {item.id!r}")
                continue
            if item.id in got:
                continue
            problem = label_problem(item.label, c.quote)
            if problem:
                # An item that breaks the instructions is discarded whole: its kind is not trusted either.
                tally.reject(f"{item.id}: {problem}; default label and kind used")
                got[item.id] = (c.default_label, c.default_kind)
                continue
            kind = item.kind if item.kind in FIGURE_KINDS else None
            if kind is None:
                tally.reject(f"{item.id}: invalid kind {item.kind!r}; rule kind {c.default_kind!r} used")
            got[item.id] = (item.label.strip(), kind or c.default_kind)  # type: ignore[assignment]
        for c in batch:
            if c.id not in got:
                if reply is not None:
                    tally.reject(f"{c.id}: no label from the model; default used")
                got[c.id] = (c.default_label, c.default_kind)
        out.update(got)
    return out


_EXPLICIT_ROLES = {"chair", "head_of_delegation"}


def label_people(pcs: list[cands.PersonCandidate], prompter: _Prompter, llm: "LLM", settings: "Settings",
                 tally: _Tally) -> dict[str, Role]:
    out: dict[str, Role] = {}
    for batch in cands.batched(pcs, PEOPLE_BATCH):
        ids = [c.id for c in batch]
        reply = _call(llm, prompter.messages("extract_people", candidates=batch), people_reply_schema(ids),
                      _max_tokens_for(len(batch), 24, settings), tally, f"people {ids[0]}..{ids[-1]}")
        by_id = {c.id: c for c in batch}
        for item in (reply.items if reply is not None else []):
            c = by_id.get(item.id)
            if c is None:
                tally.reject(f"role for unknown id {item.id!r}")
                continue
            if item.id in out:
                continue
            if item.role not in ROLES:
                tally.reject(f"{item.id}: invalid role {item.role!r}; rule role used")
                out[item.id] = c.default_role
                continue
            # An explicit 'chủ trì' / 'trưởng đoàn' in the source outranks the model; the model may only
            # pick a role whose cue words stand in a sentence naming the person (or plain attendee).
            if c.default_role in _EXPLICIT_ROLES:
                out[item.id] = c.default_role
            elif item.role != "attendee" and item.role not in c.cued_roles:
                tally.reject(f"{item.id}: role {item.role!r} has no cue in the source; rule role used")
                out[item.id] = c.default_role
            else:
                out[item.id] = item.role  # type: ignore[assignment]
        for c in batch:
            if c.id not in out:
                if reply is not None:
                    tally.reject(f"{c.id}: no role from the model; rule role used")
                out[c.id] = c.default_role
    return out


def label_event(c: cands.Candidates, prompter: _Prompter, llm: "LLM", settings: "Settings", tally: _Tally) -> EventType:
    if c.event_type_sure:
        return c.event_type
    reply = _call(llm, prompter.messages("extract_event", hints=c.event_hints), EventReply, 24, tally, "event_type")
    if reply is None:
        return c.event_type
    if reply.event_type not in EVENT_TYPES:
        tally.reject(f"invalid event_type {reply.event_type!r}; rule type used")
        return c.event_type
    rule_types = {et for pat, et in cands._EVENT_RULES if any(re.search(pat, h) for h in c.event_hints)}
    if rule_types and reply.event_type not in rule_types:
        # The keywords found in the source name the candidates; the model only chooses among them.
        tally.reject(f"event_type {reply.event_type!r} not among keyword types {sorted(rule_types)}; rule type used")
        return c.event_type
    return reply.event_type  # type: ignore[return-value]


# --- verification -----------------------------------------------------------------------------


def verify_items(doc: Document, people: Iterable[Person], figures: Iterable[Figure], documents: Iterable[DocumentRef],
                 awards: Iterable[Award], tally: _Tally) -> tuple[list[Person], list[Figure], list[DocumentRef], list[Award]]:
    """Re-derive every item's Evidence from the source; drop (and count) anything unsupported."""
    from .numbers import parse_number, same_value
    from .verify import evidence_for

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
    kept_docs = keep(documents, lambda d: f"document {d.code!r}",
                     lambda d, quote: None if d.code in quote else "code not in its quote")
    kept_awards = keep(awards, lambda a: f"award {a.name!r}",
                       lambda a, quote: None if fold(a.name) in fold(quote) else "name not in its quote")
    return kept_people, kept_figures, kept_docs, kept_awards


# --- one document -----------------------------------------------------------------------------


def _draft_evidence(doc: Document, paragraph_id: str, quote: str):
    from .schemas import Evidence

    return Evidence(doc_id=doc.doc_id, paragraph_id=paragraph_id, quote=quote, start=0, end=len(quote))


def extract(doc: Document, llm: "LLM", settings: "Settings") -> Record:
    """A verified Record for one document (model labels candidates; code decides the facts)."""
    from .verify import evidence_for

    t0 = time.perf_counter()
    c = cands.build(doc)
    tally = _Tally()
    prompter = _Prompter(doc, settings)

    fig_labels = label_figures(c.figures, prompter, llm, settings, tally) if c.figures else {}
    roles = label_people(c.people, prompter, llm, settings, tally) if c.people else {}
    event_type = label_event(c, prompter, llm, settings, tally)

    figures = [
        Figure(label=fig_labels[f.id][0], value=f.value, unit=f.unit, raw=f.raw, kind=fig_labels[f.id][1], target=f.target,
               evidence=_draft_evidence(doc, f.paragraph_id, f.quote))
        for f in c.figures
    ]
    people = [
        Person(name=p.name, title=p.title, role=roles.get(p.id, p.default_role), evidence=_draft_evidence(doc, p.paragraph_id, p.quote))
        for p in c.people
    ]
    people += [
        Person(name=a.name, title="", role="author", evidence=_draft_evidence(doc, a.paragraph_id, a.quote))
        for a in cands.author_candidates(doc) if fold(a.name) not in {fold(p.name) for p in people}
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
    from .store import Store

    store = store or Store(settings.store)
    docs = store.require_documents(doc_ids)
    if llm is None:
        from .llm import load_llm

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

    def run_one(d: Document) -> None:
        rec = extract(d, llm, settings)
        with store.lock():
            store.put_record(rec)
        records[d.doc_id] = rec

    run_each(todo, run_one, label="extract", show=progress, name=lambda d: d.doc_id)
    return [records[d.doc_id] for d in docs]
