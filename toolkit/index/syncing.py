"""Building the index: the store's documents into Chroma and the index database, committed in steps.

A step reads a batch of documents (one at a time, never all), embeds their chunks (the vectors land
in the embedding cache as they are made), puts the chunks into Chroma (upsert: ids are
deterministic, so a repeated step never duplicates) and then commits one SQLite transaction holding
the documents' manifest rows, chunks, paragraph texts and FTS5 tokens. A document is in the
manifest only once all its chunks are in both, so nothing ever sees half a document.

Which documents changed is decided by a file signature (mtime, size, inode of the document and its
record) kept in the manifest; only documents whose signature moved are read. After a kill between
Chroma and the commit, Chroma holds chunks the manifest does not list: the next sync finds the
documents whose counts disagree, drops them everywhere and indexes them again from the embedding
cache (`_repair`). Ctrl-C waits for a Chroma write and commit in progress and stops.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import threading
import time
from datetime import datetime

from pydantic import BaseModel

from ..chunking import chunk_document, chunk_settings, doc_meta, embed_text
from ..errors import StoreError
from ..progress import NullProgress
from ..vi.text import fold
from .lexical import upgrade_config

OLD_FILES = ("bm25.json", "index_manifest.json")  # the index before index.sqlite; a rebuild removes them


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


def _read(store, doc_id: str, unreadable: list[str]):
    """(document, its DocMeta) or None when missing or corrupt (left out; `toolkit check` names it)."""
    try:
        d = store.get_document(doc_id)
    except StoreError as e:
        unreadable.append(str(e))
        return None
    if d is None:
        return None
    try:
        rec = store.get_record(doc_id)
    except StoreError:
        rec = None
    return d, doc_meta(d, rec)


def _repair(index, col, db, held: dict) -> list[str]:
    """Documents whose chunks in the dense side or the database disagree with the manifest (an interrupted step)."""
    want = {d: v[2] for d, v in held.items()}
    total = sum(want.values())
    in_db_total = db.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    if col is None:  # the matrix: rows are written before the commit, so only a lost file tail is missing
        lost = {r[0] for r in db.conn.execute("SELECT DISTINCT doc_id FROM chunks WHERE id >= ?", (index.matrix.file_rows(),))}
        if in_db_total == total and not lost:
            return []
        in_db = db.chunk_counts()
        return sorted(lost | {d for d in set(want) | set(in_db) if want.get(d, 0) != in_db.get(d, 0) or d not in want})
    if col.count() == total and in_db_total == total:
        return []
    in_chroma = index.chroma_counts() or {}
    in_db = db.chunk_counts()
    docs = set(want) | set(in_db) | set(in_chroma)
    return sorted(d for d in docs if not (want.get(d, 0) == in_db.get(d, 0) == in_chroma.get(d, 0)) or d not in want)


def _start(index, force: bool):
    """The collection (None: the matrix), and whether the index is rebuilt (missing, other settings,
    or forced). A store indexed with local Chroma and otherwise the same settings is converted."""
    if force:
        index.reset_db()
    db = index.db()
    cfg = index.config()
    matrix = index.dense_kind() == "matrix"
    old = upgrade_config(db.get_meta("config"))
    if not force and old == cfg:
        if matrix and (index.matrix.exists() or not db.n_chunks()):
            return None, False
        col = None if matrix else index.collection(create=False)
        if col is not None:
            return col, False
    if not force and matrix and old is not None and {**old, "dense": "matrix"} == cfg and index.store.chroma_dir.is_dir():
        from .convert import chroma_to_matrix

        if chroma_to_matrix(index, db):
            return None, False
    with _uninterrupted(), db.conn:
        db.clear()
    if matrix:
        index.matrix.reset()
        if not index.settings.index.chroma_url and index.store.chroma_dir.is_dir():
            shutil.rmtree(index.store.chroma_dir, ignore_errors=True)  # the old local vectors: the matrix replaces them
    else:
        index._drop_collection()
    col = None if matrix else index.collection(create=True)
    with db.conn:
        db.set_meta("config", cfg)
    for name in OLD_FILES:
        with contextlib.suppress(FileNotFoundError):
            (index.store.root / name).unlink()
    return col, True


def _drop(col, db, gone: list[str]) -> None:
    """Remove documents from Chroma and the database, committing per 100."""
    for i in range(0, len(gone), 100):
        part = gone[i : i + 100]
        with _uninterrupted():
            if col is not None:
                col.delete(where={"doc_id": {"$in": part}} if len(part) > 1 else {"doc_id": part[0]})
            try:
                with db.conn:
                    db.delete_documents(part)
            finally:
                db.discard_counts()


def run_sync(index, force: bool, progress=None) -> SyncReport:
    """Index.sync's body; the caller holds the store lock."""
    progress = progress or NullProgress()
    t0 = time.monotonic()
    store = index.store
    store.ensure()  # a store of the older JSON-file layout is moved into store.sqlite first
    col, rebuilt = _start(index, force)
    db = index.db()
    with db.conn:
        db.keep_chunk_count()
    report = SyncReport(rebuilt=rebuilt)
    held = db.held()
    report.repaired = [] if rebuilt else _repair(index, col, db, held)
    repaired = set(report.repaired)
    stored = store.doc_ids()
    present = set(stored)
    todo: list[str] = []
    progress.start("checking", len(stored), unit="docs")
    sigs: list[tuple[str, str]] = []
    for doc_id in stored:
        progress.advance(1)
        entry = held.get(doc_id)
        if entry is None or doc_id in repaired:  # read once, when it is added
            todo.append(doc_id)
            report.added.append(doc_id)
            continue
        sig = store.signature(doc_id)
        if sig and entry[3] == sig:
            report.unchanged.append(doc_id)
            continue
        got = _read(store, doc_id, report.unreadable)
        if got is None:
            present.discard(doc_id)
            continue
        d, meta = got
        if entry[0] != d.content_hash or entry[1] != _meta_json(meta):
            todo.append(doc_id)
            report.replaced.append(doc_id)
        else:
            report.unchanged.append(doc_id)
            sigs.append((doc_id, sig))
    progress.done()
    report.deleted = sorted(d for d in held if d not in present)
    gone = sorted(set(report.deleted) | set(report.replaced) | repaired)
    with db.conn:
        for doc_id, sig in sigs:
            db.set_sig(doc_id, sig)
    if gone:
        _drop(col, db, gone)
    if todo:
        _add_all(index, col, db, todo, progress, report.unreadable)
    if col is None:
        _train_lists(index, db)
    index._count_cache = None
    report.chunks = db.n_chunks()
    report.seconds = time.monotonic() - t0
    return report


def _meta_json(meta) -> str:
    return json.dumps(meta.model_dump(mode="json"), ensure_ascii=False)


def _commit(index, col, db, batch: list) -> None:
    """One step: the batch's chunks into Chroma, then its documents into the database (one
    transaction); with the matrix, the vectors are written at their chunks' rows inside it."""
    with _uninterrupted():
        if col is not None:
            rows = [(c, v, meta) for _, meta, chunks, vecs, _ in batch for c, v in zip(chunks, vecs)]
            for i in range(0, len(rows), 256):
                part = rows[i : i + 256]
                col.upsert(ids=[c.chunk_id for c, _, _ in part], embeddings=[v for _, v, _ in part],
                           metadatas=[{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "start": c.start, "end": c.end,
                                       "whole": c.whole, "province": m.province or "", "date": m.date_ord} for c, _, m in part])
        try:
            with db.conn:
                rowids, vecs = [], []
                for d, meta, chunks, dv, sig in batch:
                    rowids += db.put_document(d, meta, chunks, sig, fold(meta.province or ""))
                    vecs += dv
                if col is None:
                    index.matrix.write(rowids, vecs, db.get_meta("dense_ivf"))
                db.flush_counts()
                db.set_meta("updated", datetime.now().isoformat(timespec="seconds"))
        finally:
            db.discard_counts()


def _train_lists(index, db) -> None:
    """(Re)train the matrix's IVF lists when due (see matrix.ivf_due); the new generation is
    committed before the old one's files go."""
    from .matrix import ivf_due

    ivf = db.get_meta("dense_ivf")
    live = db.n_chunks()
    if not ivf_due(ivf, live, index.settings.index.dense_ivf_min_rows):
        return
    import numpy as np

    rows = np.fromiter((r[0] for r in db.conn.execute("SELECT id FROM chunks")), dtype=np.int64)
    new = index.matrix.train(rows, gen=(ivf or {}).get("gen", 0) + 1, old_meta=ivf)
    with _uninterrupted(), db.conn:
        db.set_meta("dense_ivf", new)
    index.matrix.compact(new)
    index.matrix.drop_generations(keep=new["gen"])


def _add_all(index, col, db, todo: list[str], progress, unreadable: list[str]) -> None:
    """Read, embed and add the documents in steps of about settings.index.sync_batch_chunks chunks."""
    kw = chunk_settings(index.settings)
    size = index.settings.index.sync_batch_chunks
    max_chars = index.settings.index.embed_max_chars
    progress.start("indexing", len(todo), unit="docs")
    batch, n = [], 0

    def step():
        texts = [embed_text(meta.title, c, max_chars) for _, meta, chunks, _ in batch for c in chunks]
        vecs = iter(index.embedder.embed_passages(texts))  # one call: the cache commits per 32 passages, not per document
        _commit(index, col, db, [(d, meta, chunks, [next(vecs) for _ in chunks], sig) for d, meta, chunks, sig in batch])
        progress.advance(len(batch))

    try:
        for doc_id in todo:
            sig = index.store.signature(doc_id)
            got = _read(index.store, doc_id, unreadable)
            if got is not None:
                d, meta = got
                chunks = chunk_document(d, **kw)
                batch.append((d, meta, chunks, sig))
                n += len(chunks)
            else:
                progress.advance(1)
            if n >= size:
                step()
                batch, n = [], 0
        if batch:
            step()
    finally:
        progress.done()
