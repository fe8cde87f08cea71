"""Summaries of many stored documents at once, from their current records (cached)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..progress import run_each
from ..schemas import Document, Record, Summary
from .build import summarise
from .cache import MissingRecordError, expected_model_name, is_current, remember

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings
    from ..store import Store


def summarise_store(settings: "Settings", doc_ids: list[str] | None = None, force: bool = False, progress: bool = True,
                    llm: "LLM | None" = None, store: "Store | None" = None, skip_missing: bool = False) -> list[Summary]:
    """Summaries of the stored documents (all, or doc_ids) from their current records.
    A document without a current record raises MissingRecordError (or is left out with skip_missing).
    Cached by (content hash, model, prompt version + record); the model is loaded only if needed."""
    from ..store import Store

    store = store or Store(settings.store)
    docs = store.require_documents(doc_ids)
    records: dict[str, Record] = {}
    missing: list[str] = []
    for d in docs:
        remember(d)
        r = store.get_record(d.doc_id)
        if r is None or r.content_hash != d.content_hash:
            missing.append(d.doc_id)
        else:
            records[d.doc_id] = r
    if missing and not skip_missing:
        raise MissingRecordError(missing)
    docs = [d for d in docs if d.doc_id in records]
    holder: dict[str, "LLM"] = {}

    def get_llm() -> "LLM | None":
        if not settings.summary.polish:
            return None
        if "llm" not in holder:
            if llm is not None:
                holder["llm"] = llm
            else:
                from ..llm import load_llm

                holder["llm"] = load_llm(settings)
        return holder["llm"]

    model = (llm.name if llm is not None else expected_model_name(settings)) if settings.summary.polish else ""
    out: dict[str, Summary] = {}
    todo: list[Document] = []
    for d in docs:
        old = None if force else store.get_summary(d.doc_id)
        if is_current(old, d, records[d.doc_id], model, settings):
            out[d.doc_id] = old  # type: ignore[assignment]
        else:
            todo.append(d)

    def run_one(d: Document) -> None:
        s = summarise(d, records[d.doc_id], get_llm(), settings)
        s = s.model_copy(update={"model": model if s.model else ""})
        with store.lock():
            store.put_summary(s)
        out[d.doc_id] = s

    run_each(todo, run_one, label="summarise", show=progress, name=lambda d: d.doc_id)
    return [out[d.doc_id] for d in docs]
