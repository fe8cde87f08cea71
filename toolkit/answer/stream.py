"""A question answered as a stream of events: the composed answer at once when it is extractive,
or the model's phrasing of it as the gate releases it (phrase.py). The phrasing starts from the
reader's choice (no English span pick first, unless answer.phrase_after_pick): the first model
token comes one short prompt after the question.

    ask_stream(question, settings=, store=, index=, llm=) -> Iterator[Delta | Final]

The last event is always one Final holding the answer to show (with its citations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from . import ask
from .phrase import Delta, Final, best_spans, phrase_stream

if TYPE_CHECKING:
    from ..index import Index
    from ..llm import LLM
    from ..settings import Settings
    from ..store import Store

__all__ = ["Delta", "Final", "ask_stream"]


def ask_stream(question: str, *, settings: "Settings", store: "Store", index: "Index", llm: "LLM | None"
               ) -> Iterator[Delta | Final]:
    grounds: dict = {}
    phrasing = settings.answer.phrase and llm is not None
    if phrasing and settings.answer.use_model and not settings.answer.phrase_after_pick:
        # the phrasing starts from the reader's choice: no span pick before the first token
        settings = settings.model_copy(update={"answer": settings.answer.model_copy(update={"use_model": False})})
    answer = ask(question, settings=settings, store=store, index=index, llm=llm, grounds=grounds)
    info = grounds.get("info")
    narrow = answer.route != "model"  # spans the model did not pick: only the best-matching ones may be stated
    picked = [(c, best_spans(c, spans, info) if narrow else spans) for c, spans in grounds.get("picked") or [] if spans]
    if answer.abstained or not picked or not phrasing:
        yield Final(answer)
        return
    yield from phrase_stream(info, picked, answer, settings=settings, llm=llm)
