"""Chat filters (province, period, organisation, article) turned into Index.search's own filters.

The province goes to the index as it is (it filters on the indexed province). A period (a year)
keeps the articles whose record reviews that year, or, without a record period, whose event or
publication day falls in it; an organisation keeps the articles whose record names it (all its
words); an article is its doc id. These become `doc_ids`. `FilteredIndex` hands them to every
search, so the reader needs no change to honour them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .vi.text import fold, strip_marks
from .vi.periods import period_key

if TYPE_CHECKING:
    from .store import Store


def _words(s: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", strip_marks(fold(s or ""))))


@dataclass
class SearchFilters:
    province: str | None = None
    year: int | None = None
    organisation: str | None = None
    doc_ids: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict | None) -> "SearchFilters":
        d = d or {}
        year = d.get("year") or d.get("period")
        m = re.search(r"(?:19|20)\d{2}", str(year or ""))
        docs = d.get("doc_ids") or ([d["article"]] if d.get("article") else [])
        return cls(province=d.get("province") or None, year=int(m.group(0)) if m else None,
                   organisation=d.get("organisation") or None, doc_ids=[x for x in docs if x])

    @property
    def empty(self) -> bool:
        return not (self.province or self.year or self.organisation or self.doc_ids)

    def search_kwargs(self, store: "Store") -> dict[str, Any]:
        """Index.search keyword arguments for these filters over the store's records."""
        kw: dict[str, Any] = {}
        if self.province:
            kw["province"] = self.province
        keep: set[str] | None = set(self.doc_ids) if self.doc_ids else None
        if self.year or self.organisation:
            want = _words(self.organisation or "")
            chosen = set()
            for doc in store.iter_documents():
                rec = store.get_record(doc.doc_id)
                if self.organisation and (rec is None or not want <= _words(rec.organization or "")):
                    continue
                if self.year and doc_year(doc, rec) != self.year:
                    continue
                chosen.add(doc.doc_id)
            keep = chosen if keep is None else keep & chosen
        if keep is not None:
            kw["doc_ids"] = sorted(keep)
        return kw


def doc_year(doc, rec) -> int | None:
    """The year an article is about: its record's period, else its event day, else its publication day."""
    key = period_key(rec.period) if rec is not None else None
    if key is not None:
        return key[0]
    if rec is not None and rec.date:
        return rec.date.year
    return doc.published.year if doc.published else None


class FilteredIndex:
    """An index whose every search carries the given filters; everything else is the index's."""

    def __init__(self, index: Any, **search_kwargs: Any):
        self._index = index
        self._kw = search_kwargs

    def search(self, query: str, k: int = 5, *args: Any, **kw: Any):
        return self._index.search(query, k, *args, **{**self._kw, **kw})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)
