"""Corpus statistics for the reader: document frequency of folded syllables and syllable pairs over
the indexed paragraphs (term weights), read from the index database for the question's own terms
only, and readable documents."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable

from ..schemas import Document
from ..vi.text import syllables

if TYPE_CHECKING:
    from ..index import Index
    from ..store import Store
    from ..vi.question import QuestionInfo


class Stats:
    """Document frequency of folded syllables and syllable bigrams over the store's paragraphs."""

    @classmethod
    def of(cls, n: int, df: dict[str, int]) -> "Stats":
        """Statistics already counted (n paragraphs; df of some syllables and pairs)."""
        st = cls([])
        st.n, st.df = n, dict(df)
        return st

    def __init__(self, docs: list[Document]):
        self.n = 0
        self.df: dict[str, int] = {}
        for d in docs:
            for p in d.paragraphs:
                if p.kind in ("boilerplate",):
                    continue
                syl = syllables(p.text)
                grams = set(syl) | {f"{a} {b}" for a, b in zip(syl, syl[1:])}
                self.n += 1
                for g in grams:
                    self.df[g] = self.df.get(g, 0) + 1

    def idf(self, alt: str) -> float:
        parts = alt.split()
        if len(parts) <= 2:
            df = self.df.get(alt, 0)
        else:
            df = min(self.df.get(f"{a} {b}", 0) for a, b in zip(parts, parts[1:]))
        return math.log(1.0 + (self.n + 1) / (df + 0.5))


def readable_documents(store: "Store", doc_ids: Iterable[str]) -> dict[str, Document]:
    """The documents that can be read, one by one: a corrupt document JSON is left out (as the
    index leaves it out; `toolkit check` names it) instead of failing every question."""
    from ..errors import StoreError

    out: dict[str, Document] = {}
    for doc_id in doc_ids:
        try:
            doc = store.get_document(doc_id)
        except StoreError:
            continue
        if doc is not None:
            out[doc_id] = doc
    return out


def stats_keys(info: "QuestionInfo") -> list[str]:
    """The keys Stats.idf and Stats.df need for the question's terms."""
    keys: list[str] = []
    for t in info.terms:
        for alt in t.alts:
            parts = alt.split()
            keys.extend([alt] if len(parts) <= 2 else [f"{a} {b}" for a, b in zip(parts, parts[1:])])
            keys.extend(p for p in parts if p.isascii())  # an English word's own count (term_weights)
    return list(dict.fromkeys(keys))


def stats_of(index: "Index", info: "QuestionInfo") -> Stats:
    """The statistics of the question's terms over the indexed paragraphs (a few index reads)."""
    n, df = index.term_counts(stats_keys(info))
    return Stats.of(n, df)
