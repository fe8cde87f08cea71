"""The model's part of extraction: it labels candidates, in parts that share one prompt prefix.

A label and kind per number, a role per person, the event type when the keyword rules found several.
Replies are schema-bound (grammar) and bounded. A figure label is repaired (numbers and units
stripped, toolkit.extract.figures.repair_label) and kept only when its words stand in the clause;
otherwise the rule label is used. Every fallback is counted in the record's `rejected`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, create_model

from . import candidates as cands
from ..errors import LLMError
from ..schemas import Document, EventType, FigureKind, Role
from ..vi import events
from .figures import LABEL_MAX_CHARS, label_problem, repair_label
from .people import grounded_role

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings

# Bump when candidate/verification logic changes in a way that changes records.
CODE_VERSION = "4"
PROMPTS = ("extract_system", "extract_article", "extract_figures", "extract_people", "extract_event", "extract_record")
FIGURE_KINDS: tuple[str, ...] = ("result", "target", "rate", "count")
ROLES: tuple[str, ...] = ("chair", "attendee", "speaker", "head_of_delegation", "presenter")
EVENT_TYPES: tuple[str, ...] = events.event_types()


# --- reply schemas (small, bounded) -----------------------------------------------------------
# Enums are put in the JSON schema (so llama.cpp's grammar only lets the model write valid ids,
# kinds and roles) but validated by our code, so that a wrong value from any backend is counted
# as a rejected label instead of failing the whole batch.


def figure_reply_schema(ids: list[str]) -> type[BaseModel]:
    item = create_model(
        "FigureLabel",
        id=(str, Field(json_schema_extra={"enum": list(ids)}, max_length=8)),
        label=(str, Field(max_length=2 * LABEL_MAX_CHARS, description="<= 8 Vietnamese words from the clause")),
        label_en=(str, Field(default="", max_length=2 * LABEL_MAX_CHARS, description="the label in English, no number")),
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
    from ..prompts import version

    mode = f"{settings.extract.extractor}{'' if settings.extract.model_labels else '-rule-labels'}"
    return f"x{CODE_VERSION}-{mode}:" + ",".join(f"{n.removeprefix('extract_')}={version(settings, n)}" for n in PROMPTS)


def _article_chars(settings: "Settings") -> int:
    # ~2.8 characters per token for Vietnamese with Qwen's tokenizer; leave room for the task and reply.
    return max(1500, int((settings.llm.n_ctx - 1400) * 2.5))


class _Prompter:
    """Builds messages that share one prefix (system + article), so the KV cache is reused. Without the
    article (article=False) a task carries its own context: one short call when it is the only one."""

    def __init__(self, doc: Document, settings: "Settings", article: bool = True):
        from ..prompts import render

        self.settings = settings
        self.system, _ = render(settings, "extract_system")
        if not article:
            self.prefix = ""
            return
        paras, used = [], 0
        budget = _article_chars(settings)
        for p in cands.content_paragraphs(doc, captions=True):
            if used + len(p.text) > budget:
                break
            paras.append(p)
            used += len(p.text)
        self.prefix, _ = render(settings, "extract_article", title=doc.title, paragraphs=paras)

    def messages(self, task: str, **variables: Any) -> list[dict[str, str]]:
        from ..prompts import render

        suffix, _ = render(self.settings, task, **variables)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.prefix + suffix}]


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


def gloss(label: str) -> str:
    """An English gloss of a Vietnamese label from the glossary, or '' when a word has no rendering."""
    from ..vi.glossary import load_glossary

    tr = load_glossary().translate(label)
    return tr.text if tr.ok else ""


def repair_gloss(text: str) -> str:
    """A model's English gloss made usable: no digits, no stray symbols, at most 10 words."""
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", re.sub(r"\d[\d.,]*\s*%?", " ", text))
    return " ".join(words[:10])


def label_figures(fcs: list[cands.FigureCandidate], prompter: _Prompter, llm: "LLM", settings: "Settings",
                  tally: _Tally) -> dict[str, tuple[str, FigureKind, str]]:
    """{candidate id: (label, kind, English gloss)} for every candidate. With settings.extract.model_labels the
    model proposes; its label is repaired (numbers, units stripped) and kept when its words stand in the clause,
    else the rule label is used. The gloss is the model's (repaired) when its label was kept, else the glossary's."""
    out: dict[str, tuple[str, FigureKind, str]] = {}
    if not settings.extract.model_labels:
        return {c.id: (c.default_label, c.default_kind, gloss(c.default_label)) for c in fcs}
    for batch in cands.batched(fcs, settings.extract.figure_batch):
        ids = [c.id for c in batch]
        schema = figure_reply_schema(ids)
        reply = _call(llm, prompter.messages("extract_figures", candidates=batch), schema,
                      _max_tokens_for(len(batch), 56, settings), tally, f"figures {ids[0]}..{ids[-1]}")
        by_id = {c.id: c for c in batch}
        got: dict[str, tuple[str, FigureKind, str]] = {}
        for item in (reply.items if reply is not None else []):
            c = by_id.get(item.id)
            if c is None:
                tally.reject(f"figure label for unknown id {item.id!r}")
                continue
            if item.id in got:
                continue
            label = repair_label(item.label, c.unit)  # numbers and units stripped, not a reason to reject
            label_en = repair_gloss(item.label_en)
            kind = item.kind if item.kind in FIGURE_KINDS else None
            if kind is None:
                tally.reject(f"{item.id}: invalid kind {item.kind!r}; rule kind {c.default_kind!r} used")
            problem = label_problem(label, c.quote)
            if problem:
                tally.reject(f"{item.id}: {problem}; rule label used")
                label, label_en = c.default_label, gloss(c.default_label)
            got[item.id] = (label, kind or c.default_kind, label_en or gloss(label))  # type: ignore[assignment]
        for c in batch:
            if c.id not in got:
                if reply is not None:
                    tally.reject(f"{c.id}: no label from the model; default used")
                got[c.id] = (c.default_label, c.default_kind, gloss(c.default_label))
        out.update(got)
    return out


_EXPLICIT_ROLES = {"chair", "head_of_delegation"}


def label_people(pcs: list[cands.PersonCandidate], prompter: _Prompter, llm: "LLM", settings: "Settings",
                 tally: _Tally) -> dict[str, Role]:
    out: dict[str, Role] = {}
    for batch in cands.batched(pcs, settings.extract.people_batch):
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
            # An explicit 'chủ trì' / 'dẫn đầu' of the person's own clause outranks the model; the model may only
            # pick a role cued by the person's own verb (toolkit.vi.roles), or plain attendee.
            if c.default_role in _EXPLICIT_ROLES:
                out[item.id] = c.default_role
            else:
                out[item.id], why = grounded_role(item.role, c)
                if why:
                    tally.reject(f"{item.id}: {why}")
        for c in batch:
            if c.id not in out:
                if reply is not None:
                    tally.reject(f"{c.id}: no role from the model; rule role used")
                out[c.id] = c.default_role
    return out


def label_event(c: cands.Candidates, prompter: _Prompter, llm: "LLM", settings: "Settings", tally: _Tally) -> EventType:
    """The rule type when the keywords decided; 'other' when no keyword was found (unsure is never a
    wrong specific type); the model chooses only among the keyword types when they disagree."""
    if c.event_type_sure or not c.event_hints:
        return c.event_type
    reply = _call(llm, prompter.messages("extract_event", hints=c.event_hints,
                                                 types=[(t, vi) for t, _, _, vi in events.rules()]), EventReply, 24, tally, "event_type")
    if reply is None:
        return c.event_type
    if reply.event_type not in EVENT_TYPES:
        tally.reject(f"invalid event_type {reply.event_type!r}; rule type used")
        return c.event_type
    rule_types = {et for et, _ in events.matches(*c.event_hints)}
    if rule_types and reply.event_type not in rule_types:
        # The keywords found in the source name the candidates; the model only chooses among them.
        tally.reject(f"event_type {reply.event_type!r} not among keyword types {sorted(rule_types)}; rule type used")
        return c.event_type
    return reply.event_type  # type: ignore[return-value]


