"""The model picks, the code grounds: the spans of the top sentences are listed with ids; the model
returns the ids that answer (grammar-constrained JSON through the LLM protocol); the code keeps
only ids it listed. The answer is then composed from those spans and verified."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ..vi.question import QuestionInfo
from .candidates import Candidate
from .spans import Span

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings

PROMPT_QUESTION_CHARS = 300
SENTENCE_CHARS = 220


class Pick(BaseModel):
    ids: list[int] = Field(default_factory=list, max_length=6, description="Numbers of the answering items.")


def listed_spans(cands: list[Candidate], kind: str, n_sentences: int) -> list[tuple[int, Candidate, Span]]:
    """(id, sentence, span) of the wanted kind in the best n sentences that hold one."""
    out: list[tuple[int, Candidate, Span]] = []
    used = 0
    for c in cands:
        spans = [s for s in c.spans if s.kind == kind]
        if not spans:
            continue
        for s in spans:
            out.append((len(out) + 1, c, s))
        used += 1
        if used >= n_sentences:
            break
    return out


def model_pick(info: QuestionInfo, cands: list[Candidate], kind: str, settings: "Settings", llm: "LLM") -> list[tuple[Candidate, list[Span]]] | None:
    """The model's choice of spans grouped by sentence (best sentence first), or None when the call
    fails or picks nothing that was listed."""
    from ..errors import ToolkitError
    from ..prompts import render

    listed = listed_spans(cands, kind, settings.answer.model_sentences)
    if not listed:
        return None
    keys: dict[int, str] = {}
    sentences = []
    for _, c, _ in listed:
        if id(c) not in keys:
            keys[id(c)] = "ABCDE"[len(keys)]
            sentences.append({"key": keys[id(c)], "text": c.quote[:SENTENCE_CHARS]})
    items = [{"id": i, "key": keys[id(c)], "value": s.text, "label": s.label} for i, c, s in listed]
    system, _ = render(settings, "answer_pick_system")
    user, _ = render(settings, "answer_pick", question=info.question[:PROMPT_QUESTION_CHARS], sentences=sentences,
                     items=items)
    try:
        out = llm.complete([{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}],
                           schema=Pick, max_tokens=settings.answer.model_max_tokens)
    except ToolkitError:
        return None
    ids = set(getattr(out, "ids", []) or [])
    chosen = [(c, s) for i, c, s in listed if i in ids]
    if not chosen:
        return None
    grouped: dict[int, tuple[Candidate, list[Span]]] = {}
    for c, s in chosen:
        grouped.setdefault(id(c), (c, []))[1].append(s)
    return list(grouped.values())
