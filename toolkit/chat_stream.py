"""The chat's answer as events: the composed answer at once, then the model's phrasing of it under a
prompt bound.

    ask_stream(question, settings=, store=, index=, llm=, hold=) -> Iterator[Composed | Delta | Final]

- The reader composes the answer without the model (toolkit.answer.ask). When the model will phrase
  it (answer.phrase), `Composed(answer)` comes first, so the chat shows the composed answer at once
  instead of waiting for the model; then `Delta` text as the gate releases the phrasing, then one
  `Final` (the phrased answer, or the composed one when the gate refused it). Without phrasing the
  only event is the `Final`.
- The phrasing prompt is bounded: the first model token comes after the prompt is read (~71 prompt
  tokens/s for the 1.5B on 2 cores; the system prefix is cached between questions), so the question,
  cited sentences and facts it shows must fit `answer.phrase_prompt_tokens` (with the system message
  when the model's cache does not hold it: after a background record call; the cache is then warmed
  after the answer, for the next question). Over the bound, each
  cited sentence is cut to the clauses that carry its picked spans (at ';' and ':'), then the facts
  are listed without their labels (the sentences say them); a prompt still over the bound is not
  phrased at all (the composed answer, already shown, stands; the Final says why). Nothing is cut
  further: a figure cut off from the words saying what it counts is one the model may misname, and
  the gate checks figures, not what they are said to count. A long source therefore never delays the
  first model token past the bound.
- `hold()` (a context manager: the pipeline's model lock) is held only while the model works: around
  the phrasing, and around the read when the reader itself calls the model (answer.use_model). A
  composed answer never waits for a background model call.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator

from .answer import ask
from .answer.phrase import Delta, Final, best_spans, phrase_messages, phrase_stream
from .schemas import Answer
from .vi.periods import find_periods, years_in

if TYPE_CHECKING:
    from .answer.candidates import Candidate
    from .answer.spans import Span
    from .index import Index
    from .llm import LLM
    from .settings import Settings
    from .store import Store

__all__ = ["Composed", "Delta", "Final", "ask_stream", "bound_prompt", "prompt_tokens"]

Picked = list[tuple["Candidate", list["Span"]]]

# ';' and ':' end a clause (a fact of the written language); a comma may, or may end a fronted time
# phrase or a subject ("Năm 2021, các DN ..."): cut there, a figure lost the words saying what it counts
_STOP = re.compile(r"[;:](?=\s)")
_HEAD_CHARS = 48  # a sentence's opening before its first comma, kept when it names a period
# UTF-8 bytes per token of the default model's tokenizer on these prompts (3.2-4.5 on the web dev set's
# prompts): the estimate errs long when a model cannot count its own tokens
_BYTES_PER_TOKEN = 3.0


@dataclass
class Composed:
    """The reader's composed answer, before the model phrases it (shown at once; citations come with
    the Final)."""

    composed: Answer


def prompt_tokens(text: str, llm: Any) -> int:
    """Tokens of `text` by the model's own tokenizer (`count_tokens`), else estimated from its bytes."""
    count = getattr(llm, "count_tokens", None)
    if callable(count):
        try:
            return int(count(text))
        except Exception:  # noqa: BLE001 - a count is an estimate's better; a failing one falls back
            pass
    return int(len(text.encode("utf-8")) / _BYTES_PER_TOKEN) + 1


def _clause_cut(c: "Candidate", spans: list["Span"]) -> tuple["Candidate", list["Span"]]:
    """The candidate cut to the clauses from the one holding its first picked span to the one holding
    its last (the spans' sentence offsets moved with it). A fronted period the cut would lose ("Năm
    2024, ...", "Trong 6 tháng đầu năm, ...") is kept before an ellipsis: the answer may restate the
    period only when its cited text states it."""
    q = c.quote
    if not spans:
        return c, spans
    lo, hi = min(s.start for s in spans), max(s.end for s in spans)
    a = max((m.end() for m in _STOP.finditer(q) if m.end() <= lo), default=0)
    b = min((m.start() for m in _STOP.finditer(q) if m.start() >= hi), default=len(q))
    while a < lo and q[a].isspace():
        a += 1
    if a == 0 and b == len(q):
        return c, spans
    comma = q.find(", ")
    head = q[:comma] if 0 < comma < min(a, _HEAD_CHARS) else ""
    if not (head and (years_in(head) or find_periods(head))):
        moved = [replace(s, start=s.start - a, end=s.end - a) for s in spans]
        return replace(c, start=c.start + a, end=c.start + b, spans=moved), moved
    text = f"{head}, … {q[a:b]}"
    shift = len(head) + 4 - a
    moved = [replace(s, start=s.start + shift, end=s.end + shift) for s in spans]
    return replace(c, paragraph_text=text, start=0, end=len(text), spans=moved), moved


def _unlabelled(picked: Picked) -> Picked:
    return [(c, [replace(s, label="") for s in spans]) for c, spans in picked]


def _cold(messages: list[dict], llm: Any) -> bool:
    """Whether the model says its cache does not hold the first message (a model that cannot tell is
    taken as warm)."""
    cached = getattr(llm, "head_cached", None)
    return callable(cached) and not cached(messages)


def _user_tokens(info, picked: Picked, settings: "Settings", llm: Any) -> int:
    """Tokens the model must read before its first token: the user message, and the system message
    too when the model's cache does not hold it."""
    messages = phrase_messages(info, picked, settings)
    n = prompt_tokens(messages[-1]["content"], llm)
    return n + (prompt_tokens(messages[0]["content"], llm) if _cold(messages, llm) else 0)


def _warm(messages: list[dict], llm: Any) -> None:
    """Read the system message into the model's cache (one token written), so the next question's
    phrasing reads only its own message: after a phrasing left out because the cold system message
    put it over its bound."""
    from .errors import ToolkitError

    try:
        llm.complete([messages[0], {"role": "user", "content": ""}], max_tokens=1)
    except ToolkitError:
        pass  # a cold cache only costs the next question its phrasing


def bound_prompt(info, picked: Picked, settings: "Settings", llm: Any) -> tuple[Picked, str]:
    """(picked whose phrasing prompt fits answer.phrase_prompt_tokens, '') — cut step by step: each
    sentence to the clauses carrying its spans, then the facts without their labels (the sentences
    say them) — or (the last try, why it is still over)."""
    bound = settings.answer.phrase_prompt_tokens
    n = _user_tokens(info, picked, settings, llm)
    if n <= bound:
        return picked, ""
    for step in (lambda p: [_clause_cut(c, sp) for c, sp in p], _unlabelled):
        picked = step(picked)
        n = _user_tokens(info, picked, settings, llm)
        if n <= bound:
            return picked, ""
    return picked, f"phrasing prompt over its bound ({n} > {bound} tokens): the composed answer stands"


def ask_stream(question: str, *, settings: "Settings", store: "Store", index: "Index", llm: "LLM | None",
               hold: Callable[[], ContextManager] | None = None) -> Iterator[Composed | Delta | Final]:
    hold = hold or nullcontext
    grounds: dict = {}
    phrasing = settings.answer.phrase and llm is not None
    if phrasing and settings.answer.use_model and not settings.answer.phrase_after_pick:
        # the phrasing starts from the reader's choice: no span pick before the first token
        settings = settings.model_copy(update={"answer": settings.answer.model_copy(update={"use_model": False})})
    with hold() if settings.answer.use_model and llm is not None else nullcontext():
        answer = ask(question, settings=settings, store=store, index=index, llm=llm, grounds=grounds)
    info = grounds.get("info")
    narrow = answer.route != "model"  # spans the model did not pick: only the best-matching ones may be stated
    picked = [(c, best_spans(c, spans, info) if narrow else spans) for c, spans in grounds.get("picked") or [] if spans]
    if answer.abstained or not picked or not phrasing:
        yield Final(answer)
        return
    yield Composed(answer)
    with hold():
        picked, over = bound_prompt(info, picked, settings, llm)
        if over:
            yield Final(answer, stopped=over)
            messages = phrase_messages(info, picked, settings)
            if _cold(messages, llm):
                _warm(messages, llm)  # after the answer is out, still holding the model
            return
        yield from phrase_stream(info, picked, answer, settings=settings, llm=llm)
