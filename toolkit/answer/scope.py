"""The reports a question is about, by the names it gives: a place, body or person the question
names (a run of capitalised syllables, toolkit.vi.terms.name_runs) is written in the reports that
answer it. Retrieval ranks paragraphs by all of the question's words, and a long question's
generic ones ("economic growth rate", "review conference") can push the one report naming its
commune below reports of other places; the scope puts that report back in front.

    named_scope(info, index, limit) -> set of doc ids, or None (no name narrows the store)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..vi.question import QuestionInfo

if TYPE_CHECKING:
    from ..index import Index


def named_scope(info: QuestionInfo, index: "Index", limit: int) -> set[str] | None:
    """The documents writing every name of the question that some document writes (a name no
    document writes, or one written in more than `limit` documents, narrows nothing); None when
    no name narrows the store or the names' documents have none in common."""
    lookup = getattr(index, "docs_naming", None)
    if lookup is None:
        return None
    scope: set[str] | None = None
    for t in info.terms:
        if t.kind != "name" or t.weight <= 0:
            continue
        found = lookup(t.source, limit)
        if not found:
            continue  # an English phrase, a name of one syllable, or a name in too many reports
        scope = set(found) if scope is None else scope & found
    return scope or None
