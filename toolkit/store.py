"""The on-disk store: documents, records and summaries as JSON files, written atomically.

Layout under the store directory:
    documents/<doc_id>.json   Document
    records/<doc_id>.json     Record (cache key inside: content_hash, model, prompt_version)
    summaries/<doc_id>.json   Summary
    chroma/                   Chroma persistent data (owned by toolkit.index)
    index.sqlite              the index manifest, chunks and FTS5 tables (owned by toolkit.index)
    .lock                     held while a writer runs
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import StoreError, StoreLockedError
from .schemas import Document, Record, Summary

T = TypeVar("T", bound=BaseModel)


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to path so that readers see the old file or the new one, never half of one."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data to path so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if e.errno == errno.ENOSPC:
            raise StoreError(f"{path}: disk full while writing; free space and retry (nothing was changed)") from e
        raise StoreError(f"{path}: cannot write ({e.strerror}); nothing was changed") from e


class Store:
    """Owns the store directory. Pass it the directory from Settings.store."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # --- layout -------------------------------------------------------------------------
    @property
    def documents_dir(self) -> Path:
        return self.root / "documents"

    @property
    def records_dir(self) -> Path:
        return self.root / "records"

    @property
    def summaries_dir(self) -> Path:
        return self.root / "summaries"

    @property
    def chroma_dir(self) -> Path:
        return self.root / "chroma"

    def ensure(self) -> "Store":
        for d in (self.documents_dir, self.records_dir, self.summaries_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.sweep_tmp()
        return self

    def sweep_tmp(self, min_age_s: float = 600.0) -> list[Path]:
        """Delete the temp files of atomic writes that a killed process left behind. Only files older
        than min_age_s go, so a write in progress in another process is never touched."""
        now, gone = time.time(), []
        for d in (self.root, self.documents_dir, self.records_dir, self.summaries_dir):
            for p in d.glob(".*.tmp") if d.is_dir() else ():
                try:
                    if now - p.stat().st_mtime >= min_age_s:
                        p.unlink()
                        gone.append(p)
                except OSError:
                    pass
        return gone

    # --- locking ------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait_s: float = 30.0) -> Iterator[None]:
        """Exclusive writer lock. Waits up to wait_s, then raises StoreLockedError."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        with open(path, "a+") as f:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        f.seek(0)
                        raise StoreLockedError(str(self.root), f.read().strip()) from None
                    time.sleep(0.1)
            try:
                f.seek(0)
                f.truncate()
                f.write(f"pid {os.getpid()}")
                f.flush()
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def is_locked(self) -> bool:
        """True while a writer (any process) holds lock(); never takes or waits for it."""
        path = self.root / ".lock"
        if not path.exists():
            return False
        try:
            with open(path, "a+") as f:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)
                return False
        except OSError:
            return False

    # --- generic JSON objects -----------------------------------------------------------
    def _read(self, path: Path, cls: type[T]) -> T | None:
        if not path.exists():
            return None
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError, UnicodeDecodeError) as e:
            raise StoreError(f"{path}: corrupt store file ({type(e).__name__}); run `toolkit check` then re-ingest or `toolkit reindex`") from e

    def _write(self, path: Path, obj: BaseModel) -> None:
        atomic_write_text(path, obj.model_dump_json(indent=1))

    def _ids(self, folder: Path) -> list[str]:
        if not folder.exists():
            return []
        return sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith("."))

    # --- documents ----------------------------------------------------------------------
    def doc_ids(self) -> list[str]:
        return self._ids(self.documents_dir)

    def has_document(self, doc_id: str) -> bool:
        return (self.documents_dir / f"{doc_id}.json").exists()

    def signature(self, doc_id: str) -> str:
        """Changes whenever the document or its record file is written ('' when the document is gone):
        the index compares it before reading either file."""
        parts = []
        for folder in (self.documents_dir, self.records_dir):
            try:
                st = (folder / f"{doc_id}.json").stat()
                parts.append(f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}")
            except OSError:
                parts.append("-")
        return "" if parts[0] == "-" else "/".join(parts)

    def get_document(self, doc_id: str) -> Document | None:
        return self._read(self.documents_dir / f"{doc_id}.json", Document)

    def documents(self) -> list[Document]:
        return [d for i in self.doc_ids() if (d := self.get_document(i)) is not None]

    def require_documents(self, doc_ids: list[str] | None = None) -> list[Document]:
        """The documents named (all when None), in order; a missing one is a one-line StoreError."""
        docs: list[Document] = []
        for i in list(doc_ids) if doc_ids else self.doc_ids():
            d = self.get_document(i)
            if d is None:
                raise StoreError(f"{self.documents_dir}: no document {i!r}; run `toolkit docs` to list them or ingest it first")
            docs.append(d)
        return docs

    def put_document(self, doc: Document) -> None:
        """Store a document; the old version (if any) is replaced in one step and its derived data dropped."""
        old = self.get_document(doc.doc_id) if (self.documents_dir / f"{doc.doc_id}.json").exists() else None
        self._write(self.documents_dir / f"{doc.doc_id}.json", doc)
        if old is not None and old.content_hash != doc.content_hash:
            for p in (self.records_dir / f"{doc.doc_id}.json", self.summaries_dir / f"{doc.doc_id}.json"):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()

    def delete_document(self, doc_id: str) -> None:
        for p in (self.documents_dir, self.records_dir, self.summaries_dir):
            with contextlib.suppress(FileNotFoundError):
                (p / f"{doc_id}.json").unlink()

    # --- records & summaries ------------------------------------------------------------
    def get_record(self, doc_id: str) -> Record | None:
        return self._read(self.records_dir / f"{doc_id}.json", Record)

    def put_record(self, record: Record) -> None:
        self._write(self.records_dir / f"{record.doc_id}.json", record)

    def records(self) -> list[Record]:
        return [r for i in self._ids(self.records_dir) if (r := self.get_record(i)) is not None]

    def get_summary(self, doc_id: str) -> Summary | None:
        return self._read(self.summaries_dir / f"{doc_id}.json", Summary)

    def put_summary(self, summary: Summary) -> None:
        self._write(self.summaries_dir / f"{summary.doc_id}.json", summary)

    def summaries(self) -> list[Summary]:
        return [s for i in self._ids(self.summaries_dir) if (s := self.get_summary(i)) is not None]

    # --- misc ---------------------------------------------------------------------------
    def read_json(self, name: str) -> dict | list | None:
        p = self.root / name
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None

    def write_json(self, name: str, data: dict | list) -> None:
        atomic_write_text(self.root / name, json.dumps(data, ensure_ascii=False))
