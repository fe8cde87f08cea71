"""Corpus statistics for the reader: document frequency of folded syllables and syllable pairs over
the store's paragraphs (term weights), computed once per store state, and readable documents."""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Iterable

from ..schemas import Document
from ..textnorm import syllables

if TYPE_CHECKING:
    from ..store import Store


class Stats:
    """Document frequency of folded syllables and syllable bigrams over the store's paragraphs."""

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


_CACHE: dict[tuple, Stats] = {}
_LOCK = threading.Lock()


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


def _key(store: "Store") -> tuple:
    """The store's document state: (name, mtime, size) of every document file."""
    folder = store.documents_dir
    files = sorted(folder.glob("*.json")) if folder.exists() else []
    state = []
    for f in files:
        if f.name.startswith("."):
            continue
        try:
            st = f.stat()
        except OSError:  # deleted meanwhile
            continue
        state.append((f.name, st.st_mtime_ns, st.st_size))
    return (str(store.root), tuple(state))


def stats_of(store: "Store") -> Stats:
    """Term statistics of the store's readable documents, once per store state, not per question."""
    key = _key(store)
    with _LOCK:
        st = _CACHE.get(key)
        if st is None:
            _CACHE.clear()
            st = _CACHE[key] = Stats(list(readable_documents(store, store.doc_ids()).values()))
        return st
