"""The one door: what the faces (toolkit/cli.py, the UI's pipeline, evals) call to run a stage.

It orders the stages so no face has to: ingest then sync the index, extract then sync (records
refine the indexed date and province), summaries only after their records exist. Asking is
read-only: it opens the index as it is and never writes. Outside toolkit/index.py, this is the
only module that calls `Index.sync()`.

Every entry point takes the Settings first and optional, already-open parts (store, index, llm)
so a long-lived face (the UI) reuses them; a one-shot face (the CLI) lets them be opened here.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from .progress import run_each, status

if TYPE_CHECKING:
    from .index import Index, SyncReport
    from .llm import LLM
    from .schemas import Answer, IngestReport, Record, Summary
    from .settings import Settings
    from .store import Store


@dataclass
class IngestResult:
    """What an ingest did: the files it stored or refused, and the index update (None when skipped)."""

    report: "IngestReport"
    sync: "SyncReport | None"

    def as_json(self) -> dict[str, Any]:
        out = self.report.model_dump(mode="json")
        out["index"] = None if self.sync is None else sync_json(self.sync)
        return out


def sync_json(rep: "SyncReport") -> dict[str, Any]:
    """A sync report as JSON (`--json` of ingest and reindex)."""
    return {"rebuilt": rep.rebuilt, "added": rep.added, "replaced": rep.replaced, "deleted": rep.deleted,
            "unchanged": len(rep.unchanged), "unreadable": rep.unreadable, "chunks": rep.chunks,
            "seconds": round(rep.seconds, 3), "summary": str(rep)}


# --- parts --------------------------------------------------------------------------------------


def open_store(settings: "Settings") -> "Store":
    """The store at settings.store (not created: readers must not leave empty folders behind)."""
    from .store import Store

    return Store(settings.store)


def open_index(settings: "Settings", store: "Store | None" = None, *, embedder: Any = None,
               read_only: bool = False) -> "Index":
    """The retrieval index over a store, as it is on disk (opening writes nothing). `read_only` is
    the reader questions use: it must never sync."""
    from .index import Index

    store = store or open_store(settings)
    return Index.open(settings, store, read_only=read_only, embedder=embedder)


def sync(index: "Index", *, progress: bool = False) -> "SyncReport":
    """Make the index hold exactly the store's documents (and their records' date and province)."""
    from .progress import NullProgress, reporter

    return index.sync(progress=reporter() if progress else NullProgress())


def reindex(settings: "Settings", *, progress: bool = False) -> "SyncReport":
    """Drop the indexes and rebuild them from the stored documents."""
    from .progress import NullProgress, reporter

    return open_index(settings).rebuild(progress=reporter() if progress else NullProgress())


def index_gaps(index: "Index") -> list[str]:
    """Stored documents the index does not hold, and indexed ones no longer stored (cheap: ids only)."""
    held, stored = set(index.held_ids()), set(index.store.doc_ids())
    return sorted(stored ^ held)


# --- stages -------------------------------------------------------------------------------------


def ingest(settings: "Settings", paths: Sequence[Path], *, store: "Store | None" = None, index: "Index | None" = None,
           update_index: bool = True, repair: bool = True, progress: bool = False) -> IngestResult:
    """Store article files and folders, then sync the index.

    The index is synced when something was added or replaced, and (with `repair`) also when every
    file was unchanged, which repairs an index left half-built by an interrupted run."""
    from .ingest import ingest_paths

    store = store or open_store(settings)
    with status(f"ingesting {len(paths)} path(s)", show=progress):
        report = ingest_paths([Path(p) for p in paths], store, settings)
    changed = bool(report.added or report.replaced)
    rep = None
    if update_index and (changed or (repair and report.unchanged)):
        rep = sync(index or open_index(settings, store), progress=progress)
    return IngestResult(report, rep)


def ingest_text(settings: "Settings", text: str, name: str | None = None, **kw: Any) -> IngestResult:
    """Store one article given as text (e.g. read from stdin) under the document id `name`.

    The text is parsed as a .txt file; the stored source path is '-' (standard input)."""
    from .errors import InputError

    doc_id = name or settings.ingest.stdin_name
    if not doc_id or Path(doc_id).name != doc_id or doc_id.startswith("."):
        raise InputError(str(doc_id), "not a valid document name; give --name with letters, digits, '-' or '_'")
    store = kw.pop("store", None) or open_store(settings)
    tmp = Path(tempfile.mkdtemp(prefix="toolkit-stdin-"))
    try:
        path = tmp / f"{doc_id}.txt"
        path.write_text(text, encoding="utf-8")
        update_index = kw.pop("update_index", True)
        result = ingest(settings, [path], store=store, update_index=False, **kw)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in result.report.failed:
        f.path = "-"
    if result.report.added or result.report.replaced:
        with store.lock():
            doc = store.get_document(doc_id)
            if doc is not None:
                store.put_document(doc.model_copy(update={"source_path": "-"}))
    if update_index and (result.report.added or result.report.replaced or result.report.unchanged):
        result.sync = sync(kw.get("index") or open_index(settings, store), progress=kw.get("progress", False))
    return result


def extract(settings: "Settings", doc_ids: list[str] | None = None, *, force: bool = False, llm: "LLM | None" = None,
            store: "Store | None" = None, index: "Index | None" = None, progress: bool = False,
            sync_index: bool = True) -> list["Record"]:
    """Verified records of the stored documents (all, or doc_ids), cached unless `force`; then the
    index is synced, because records refine the indexed date and province (with `sync_index` off
    the caller syncs, e.g. under its own writer lock)."""
    from .extract import extract_store

    store = store or open_store(settings)
    records = extract_store(settings, doc_ids=doc_ids, force=force, progress=progress, llm=llm, store=store)
    if sync_index:
        sync(index or open_index(settings, store), progress=progress)
    return records


def summarise(settings: "Settings", doc_ids: list[str] | None = None, *, force: bool = False, llm: "LLM | None" = None,
              store: "Store | None" = None, index: "Index | None" = None, progress: bool = False) -> list["Summary"]:
    """Bilingual cited summaries of the stored documents (all, or doc_ids).

    Records come first: documents without a record of their current content are extracted here
    (and the index synced), so summarising only ever reads records that exist."""
    from .summarise import summarise_store

    store = store or open_store(settings)
    docs = store.require_documents(doc_ids)
    missing = [d.doc_id for d in docs if not _has_record(store, d)]
    if missing:
        if llm is None:  # loaded once for both stages (a LazyLLM would not know its name yet)
            from .llm import load_llm

            llm = load_llm(settings)
        extract(settings, missing, llm=llm, store=store, index=index, progress=progress)
    return summarise_store(settings, doc_ids=doc_ids, force=force, progress=progress, llm=llm, store=store)


def _has_record(store: "Store", doc) -> bool:
    rec = store.get_record(doc.doc_id)
    return rec is not None and rec.content_hash == doc.content_hash


def ask(settings: "Settings", questions: Sequence[tuple[Any, str]], *, store: "Store | None" = None,
        index: "Index | None" = None, llm: "LLM | None" = None, progress: bool = False) -> list[tuple[Any, "Answer"]]:
    """Cited answers to (id, question) pairs, in order. Read-only: the index is used as it is on
    disk (see index_gaps to warn about documents it does not hold); nothing is written. The model
    is loaded only when a question needs it (and never with settings.answer.use_model off)."""
    from .answer import ask as answer_one

    store = store or open_store(settings)
    index = index or open_index(settings, store, read_only=True)
    if llm is None and (settings.answer.use_model or settings.answer.phrase):
        from .llm import LazyLLM

        llm = LazyLLM(settings)
    out: list[tuple[Any, "Answer"]] = []

    def one(item: tuple[Any, str]) -> None:
        qid, question = item
        if settings.answer.phrase:  # the model's phrasing, gated, as the chat shows it (its last event)
            from .chat_stream import ask_stream as stream_one

            *_, final = stream_one(question, settings=settings, store=store, index=index, llm=llm)
            out.append((qid, final.answer))
            return
        out.append((qid, answer_one(question, settings=settings, store=store, index=index, llm=llm)))

    run_each(list(questions), one, label="ask", show=progress and len(questions) > 1, name=lambda it: str(it[0]))
    return out


def ask_stream(settings: "Settings", question: str, *, store: "Store | None" = None, index: "Index | None" = None,
               llm: "LLM | None" = None, hold: Any = None) -> Iterator[Any]:
    """One question answered as events (toolkit.chat_stream): with settings.answer.phrase the composed
    answer at once, then text released as the model phrases it; last one Final with the answer and
    its citations. `hold()` is entered while the model works (the caller's model lock). Read-only."""
    from .chat_stream import ask_stream as stream_one

    store = store or open_store(settings)
    index = index or open_index(settings, store, read_only=True)
    if llm is None and (settings.answer.use_model or settings.answer.phrase):
        from .llm import LazyLLM

        llm = LazyLLM(settings)
    return stream_one(question, settings=settings, store=store, index=index, llm=llm, hold=hold)


def check(settings: "Settings") -> list[str]:
    """Problems where documents, indexes and records disagree (empty when the store is sound)."""
    from .check import check_store

    return check_store(settings)
