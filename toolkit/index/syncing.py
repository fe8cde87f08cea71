"""Building the index: the store's documents into Chroma and BM25, committed in steps.

A step embeds whole documents (their vectors land in the embedding cache as they are made), puts
their chunks into Chroma (upsert: ids are deterministic, so a repeated step never duplicates) and
then commits: bm25.json, then the manifest, each replaced atomically. A document is in the manifest
only once all its chunks are in both, so nothing ever sees half a document.

After a kill between Chroma and the commit, Chroma (or BM25) holds chunks the manifest does not
list: the next sync finds the documents whose counts disagree, drops them everywhere and indexes
them again from the embedding cache (`_repair`), instead of rebuilding the whole index. Ctrl-C
waits for a Chroma write and commit in progress, commits the finished documents and stops.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from ..chunking import Chunk, DocMeta, bm25_tokens, chunk_document, chunk_settings, doc_meta, embed_text
from ..errors import StoreError
from ..progress import NullProgress
from ..store import atomic_write_text

COMMIT_EVERY_S = 1.0  # at most one commit a second: each rewrites bm25.json whole


class SyncReport(BaseModel):
    added: list[str] = []
    replaced: list[str] = []
    deleted: list[str] = []
    unchanged: list[str] = []
    repaired: list[str] = []  # documents an interrupted sync had left half-written, indexed again
    chunks: int = 0
    rebuilt: bool = False
    skipped: bool = False  # a read-only index does not sync
    seconds: float = 0.0
    unreadable: list[str] = []  # one line per stored document that could not be read (left out)

    def __str__(self) -> str:
        if self.skipped:
            return "index not synced (read-only)"
        kind = "rebuilt" if self.rebuilt else "synced"
        bad = f"; {len(self.unreadable)} unreadable document(s) left out, see `toolkit check`" if self.unreadable else ""
        fixed = f", {len(self.repaired)} repaired" if self.repaired else ""
        return (f"index {kind}: {len(self.added)} added, {len(self.replaced)} replaced, {len(self.deleted)} deleted, "
                f"{len(self.unchanged)} unchanged{fixed}; {self.chunks} chunks ({self.seconds:.1f}s){bad}")


@contextlib.contextmanager
def _uninterrupted():
    """Ctrl-C during the block is held until it ends (main thread only), so a write is never cut in half."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    hit: list[int] = []
    signal.signal(signal.SIGINT, lambda *_: hit.append(1))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if hit:
        raise KeyboardInterrupt


def _read_docs(store) -> tuple[list, list[str]]:
    """The stored documents; one corrupt JSON is left out (nothing cites it, `toolkit check` names it)."""
    docs, unreadable = [], []
    for doc_id in store.doc_ids():
        try:
            d = store.get_document(doc_id)
        except StoreError as e:
            unreadable.append(str(e))
            continue
        if d is not None:
            docs.append(d)
    return docs, unreadable


def _metas(store, docs: list) -> dict[str, DocMeta]:
    out = {}
    for d in docs:
        try:
            rec = store.get_record(d.doc_id)
        except StoreError:
            rec = None
        out[d.doc_id] = doc_meta(d, rec)
    return out


def _drop(col, bm: dict, held: dict, gone: set[str]) -> None:
    """Remove documents from Chroma, BM25 and the manifest (in memory; the caller commits)."""
    for doc_id in sorted(gone):
        col.delete(where={"doc_id": doc_id})
        held.pop(doc_id, None)
    bm["chunks"] = [c for c in bm["chunks"] if c["doc_id"] not in gone]
    bm["paragraphs"] = {k: v for k, v in bm["paragraphs"].items() if k.split("::", 1)[0] not in gone}
    bm["docs"] = {k: v for k, v in bm["docs"].items() if k not in gone}


def _repair(index, col, bm: dict, held: dict) -> list[str]:
    """Documents whose chunks in Chroma or BM25 disagree with the manifest (left by an interrupted step)."""
    want = {d: int(v.get("n_chunks", 0)) for d, v in held.items()}
    in_bm = Counter(c["doc_id"] for c in bm["chunks"])
    if col.count() == sum(want.values()) and in_bm == Counter({d: n for d, n in want.items() if n}):
        return []
    in_chroma = index.chroma_counts() or {}
    docs = set(want) | set(in_bm) | set(in_chroma)
    return sorted(d for d in docs if not (want.get(d, 0) == in_bm.get(d, 0) == in_chroma.get(d, 0)) or d not in want)


def _commit(index, manifest: dict, bm: dict) -> None:
    atomic_write_text(index.bm25_path, json.dumps(bm, ensure_ascii=False))
    manifest["updated"] = datetime.now().isoformat(timespec="seconds")
    atomic_write_text(index.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1))


def _put(index, col, bm: dict, held: dict, doc, meta: DocMeta, chunks: list[Chunk], vecs: list) -> None:
    """One whole document into Chroma and BM25 and the (uncommitted) manifest."""
    for i in range(0, len(chunks), 256):
        part = chunks[i : i + 256]
        col.upsert(
            ids=[c.chunk_id for c in part],
            embeddings=vecs[i : i + len(part)],
            documents=[c.text for c in part],
            metadatas=[{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "start": c.start, "end": c.end,
                        "whole": c.whole, "province": meta.province or "", "date": meta.date_ord} for c in part],
        )
    chunked = {c.paragraph_id for c in chunks}  # a set: a 2 MB article has thousands of paragraphs
    for p in doc.paragraphs:
        if p.paragraph_id in chunked:
            bm["paragraphs"][f"{doc.doc_id}::{p.paragraph_id}"] = p.text
    bm["docs"][doc.doc_id] = {"title_tokens": bm25_tokens(doc.title[:300])}
    bm["chunks"].extend({"chunk_id": c.chunk_id, "doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "start": c.start,
                         "end": c.end, "whole": c.whole, "tokens": bm25_tokens(c.text)} for c in chunks)
    held[doc.doc_id] = {"content_hash": doc.content_hash, "meta": meta.model_dump(mode="json"), "n_chunks": len(chunks)}


def run_sync(index, force: bool, progress=None) -> SyncReport:
    """Index.sync's body; the caller holds the store lock."""
    progress = progress or NullProgress()
    t0 = time.monotonic()
    docs, unreadable = _read_docs(index.store)
    metas = _metas(index.store, docs)
    manifest = None if force else index.read_manifest()
    bm = None if force else index.read_bm25()
    cfg = index.config()
    col = None
    if manifest is not None and bm is not None and manifest.get("config") == cfg:
        col = index.collection(create=False)
    report = SyncReport(rebuilt=col is None, unreadable=unreadable)
    if col is None:
        manifest = {"config": cfg, "docs": {}}
        bm = {"version": cfg["version"], "chunks": [], "paragraphs": {}, "docs": {}}
        if index.manifest_path.exists():
            index.manifest_path.unlink()
        index._drop_collection()
        col = index.collection(create=True)
    held = manifest["docs"]
    report.repaired = [] if report.rebuilt else _repair(index, col, bm, held)
    want = {d.doc_id: d for d in docs}
    todo = []
    for doc_id in sorted(held):
        if doc_id not in want:
            report.deleted.append(doc_id)
    for doc_id, d in want.items():
        entry = held.get(doc_id)
        if entry is None or doc_id in report.repaired:
            todo.append(d)
            report.added.append(doc_id)
        elif entry.get("content_hash") != d.content_hash or entry.get("meta") != metas[doc_id].model_dump(mode="json"):
            todo.append(d)
            report.replaced.append(doc_id)
        else:
            report.unchanged.append(doc_id)
    gone = set(report.deleted) | set(report.replaced) | set(report.repaired)
    dirty = bool(gone) or report.rebuilt or not index.bm25_path.exists()
    if gone:
        with _uninterrupted():
            _drop(col, bm, held, gone)
            _commit(index, manifest, bm)
        dirty = False
    if todo:
        dirty = _add_all(index, col, manifest, bm, todo, metas, progress) or dirty
    if dirty:
        _commit(index, manifest, bm)
    report.chunks = len(bm["chunks"])
    report.seconds = time.monotonic() - t0
    index._state = None
    return report


def _add_all(index, col, manifest: dict, bm: dict, todo: list, metas: dict, progress) -> bool:
    """Embed and add the documents in steps; returns True when something is left to commit."""
    kw = chunk_settings(index.settings)
    held = manifest["docs"]
    plan = [(d, chunk_document(d, **kw)) for d in todo]
    batch = index.settings.index.sync_batch_chunks
    progress.start("indexing", sum(len(c) for _, c in plan), unit="chunks")
    pending, last = 0, time.monotonic()
    try:
        for d, chunks in plan:
            meta = metas[d.doc_id]
            texts = [embed_text(meta.title, c, index.settings.index.embed_max_chars) for c in chunks]
            vecs = index.embedder.embed_passages(texts, progress=progress.advance)
            with _uninterrupted():
                _put(index, col, bm, held, d, meta, chunks, vecs)
                pending += max(1, len(chunks))
                if pending >= batch and time.monotonic() - last >= COMMIT_EVERY_S:
                    _commit(index, manifest, bm)
                    pending, last = 0, time.monotonic()
    except KeyboardInterrupt:
        if pending:
            _commit(index, manifest, bm)  # keep every finished document
        raise
    finally:
        progress.done()
    return pending > 0
