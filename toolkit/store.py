"""The on-disk store: documents, records and summaries in one SQLite file, written in transactions.

Layout under the store directory:
    store.sqlite              documents, records, summaries (one row each: doc_id, the object's JSON,
                              a revision), WAL mode: readers never wait for a writer
    dense/, chroma/           the dense vectors (owned by toolkit.index)
    index.sqlite              the index manifest, chunks and FTS5 tables (owned by toolkit.index)
    .lock                     held while a writer runs

The index lives in its own file because a rebuild deletes it whole; the documents never are.
A store of the older layout (documents/, records/, summaries/ holding one JSON file each) is read
as it is, and moved into store.sqlite by the first process that writes (toolkit.store_legacy):
in batches, each one transaction, a row already in the database never overwritten, the files of a
batch removed only after its commit, so a kill at any point loses and duplicates nothing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import StoreError, StoreLockedError
from .schemas import Document, Record, Summary

T = TypeVar("T", bound=BaseModel)
DB_FILE = "store.sqlite"
KINDS: dict[str, type[BaseModel]] = {"documents": Document, "records": Record, "summaries": Summary}
_SCHEMA = "".join(f"CREATE TABLE IF NOT EXISTS {k} (doc_id TEXT PRIMARY KEY, body TEXT NOT NULL, rev INTEGER NOT NULL);"
                  for k in KINDS)


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
    """Owns the store directory. Pass it the directory from Settings.store. Safe to share between
    threads (one database connection per thread)."""

    kinds = KINDS  # what the tables hold (toolkit.store_legacy moves the older layout's files by it)

    def __init__(self, root: Path):
        self.root = Path(root)
        self._tls = threading.local()

    # --- layout -------------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.root / DB_FILE

    @property
    def documents_dir(self) -> Path:  # the older layout's folders (read until migrated)
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

    def exists(self) -> bool:
        """A store is here: its database, or folders of the older layout."""
        return self.db_path.exists() or self.documents_dir.is_dir()

    def ensure(self) -> "Store":
        """Create the database (and move an older layout's files into it)."""
        self._conn(write=True)
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

    # --- the database -------------------------------------------------------------------------
    def _conn(self, write: bool = False) -> sqlite3.Connection | None:
        """This thread's connection; None for a reader while there is no database (nothing is created)."""
        c = getattr(self._tls, "conn", None)
        if c is not None and not self.db_path.exists():  # the folder was deleted under a running app
            c.close()
            c = self._tls.conn = None
        if c is None:
            if not write and not self.db_path.exists():
                return None
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                c = sqlite3.connect(self.db_path, timeout=60, isolation_level=None, check_same_thread=False)
                c.execute("PRAGMA synchronous=NORMAL")
                if write:  # a reader never writes, not even the schema
                    c.execute("PRAGMA journal_mode=WAL")
                    c.executescript(_SCHEMA)
            except sqlite3.DatabaseError as e:
                raise StoreError(f"{self.db_path}: the store database cannot be opened ({e}); restore it from a backup or re-ingest into a new store") from e
            self._tls.conn, self._tls.depth, self._tls.schema = c, 0, write
        elif write and not self._tls.schema:  # a reader's connection, now writing: the schema first
            c.execute("PRAGMA journal_mode=WAL")
            c.executescript(_SCHEMA)
            self._tls.schema = True
        if write and not getattr(self._tls, "migrating", False):
            from .store_legacy import migrate_if_needed

            self._tls.migrating = True
            try:
                migrate_if_needed(self)
            finally:
                self._tls.migrating = False
        return c

    @contextlib.contextmanager
    def batch(self) -> Iterator[sqlite3.Connection]:
        """One transaction for every write inside (nested batches join the outer one): all of them
        are committed together, or none."""
        c = self._conn(write=True)
        if self._tls.depth:
            self._tls.depth += 1
            try:
                yield c
            finally:
                self._tls.depth -= 1
            return
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.db_path}: the store database is busy or read-only ({e}); retry when the other writer is done") from e
        self._tls.depth = 1
        try:
            yield c
            c.execute("COMMIT")
        except sqlite3.OperationalError as e:
            c.execute("ROLLBACK")
            if "full" in str(e):
                raise StoreError(f"{self.db_path}: disk full while writing; free space and retry (nothing was changed)") from e
            raise StoreError(f"{self.db_path}: cannot write ({e}); nothing was changed") from e
        except BaseException:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise
        finally:
            self._tls.depth = 0

    def _row(self, kind: str, doc_id: str) -> tuple[str, int] | None:
        c = self._conn()
        if c is None:
            return None
        try:
            return c.execute(f"SELECT body, rev FROM {kind} WHERE doc_id=?", (doc_id,)).fetchone()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.db_path}: the store database cannot be read ({e}); restore it from a backup or re-ingest") from e

    def _get(self, kind: str, doc_id: str, cls: type[T]) -> T | None:
        row = self._row(kind, doc_id)
        if row is None:
            return self._legacy_read(kind, doc_id, cls)
        try:
            return cls.model_validate_json(row[0])
        except (ValidationError, ValueError) as e:
            raise StoreError(f"{self.db_path} ({kind}/{doc_id}): corrupt stored object ({type(e).__name__}); run `toolkit check`, then re-ingest the document") from e

    def _put(self, kind: str, obj: BaseModel) -> None:
        with self.batch() as c:
            c.execute(f"INSERT OR REPLACE INTO {kind} VALUES (?,?,?)", (obj.doc_id, obj.model_dump_json(), time.time_ns()))

    def _ids(self, kind: str) -> list[str]:
        c = self._conn()
        ids = [r[0] for r in c.execute(f"SELECT doc_id FROM {kind} ORDER BY doc_id")] if c is not None else []
        legacy = self._legacy_ids(kind)
        return sorted(set(ids) | set(legacy)) if legacy else ids

    def _all(self, kind: str, cls: type[T]) -> Iterator[T]:
        """Every stored object of a kind, in doc_id order, read one at a time (only the ids are held)."""
        for doc_id in self._ids(kind):
            obj = self._get(kind, doc_id, cls)
            if obj is not None:
                yield obj

    def raw(self, kind: str) -> Iterator[tuple[str, str, str]]:
        """(where, doc_id, JSON) of every stored object of a kind, unparsed: for `toolkit check`.
        `where` names the database row or the older layout's file."""
        c = self._conn()
        last = ""
        while c is not None:
            page = c.execute(f"SELECT doc_id, body FROM {kind} WHERE doc_id > ? ORDER BY doc_id LIMIT 500", (last,)).fetchall()
            if not page:
                break
            for doc_id, body in page:
                yield f"{self.db_path} ({kind}/{doc_id})", doc_id, body
            last = page[-1][0]
        folder = self.root / kind
        for p in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            if not p.name.startswith("."):
                try:
                    yield str(p), p.stem, p.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    yield str(p), p.stem, ""

    # --- the older layout (read until moved into the database) ----------------------------------
    def _legacy_ids(self, kind: str) -> list[str]:
        folder = self.root / kind
        if not folder.is_dir():
            return []
        return [p.stem for p in folder.glob("*.json") if not p.name.startswith(".")]

    def _legacy_read(self, kind: str, doc_id: str, cls: type[T]) -> T | None:
        path = self.root / kind / f"{doc_id}.json"
        if not path.exists():
            return None
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError, UnicodeDecodeError) as e:
            raise StoreError(f"{path}: corrupt store file ({type(e).__name__}); run `toolkit check` then re-ingest or `toolkit reindex`") from e

    # --- locking ------------------------------------------------------------------------------
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

    # --- documents ----------------------------------------------------------------------------
    def doc_ids(self) -> list[str]:
        return self._ids("documents")

    def has_document(self, doc_id: str) -> bool:
        return self._row("documents", doc_id) is not None or (self.documents_dir / f"{doc_id}.json").exists()

    def signature(self, doc_id: str) -> str:
        """Changes whenever the document or its record is written ('' when the document is gone):
        the index compares it before reading either."""
        parts = []
        for kind in ("documents", "records"):
            row = self._row(kind, doc_id)
            if row is not None:
                parts.append(str(row[1]))
                continue
            try:
                st = (self.root / kind / f"{doc_id}.json").stat()
                parts.append(f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}")
            except OSError:
                parts.append("-")
        return "" if parts[0] == "-" else "/".join(parts)

    def get_document(self, doc_id: str) -> Document | None:
        return self._get("documents", doc_id, Document)

    def iter_documents(self) -> Iterator[Document]:
        """Every stored document in doc_id order, one at a time (for loops over a large store)."""
        return self._all("documents", Document)

    def documents(self) -> list[Document]:
        """Every stored document (loads them all: small stores and tests; loops use iter_documents)."""
        return list(self._all("documents", Document))

    def require_documents(self, doc_ids: list[str] | None = None) -> list[Document]:
        """The documents named (all when None), in order; a missing one is a one-line StoreError."""
        docs: list[Document] = []
        for i in list(doc_ids) if doc_ids else self.doc_ids():
            d = self.get_document(i)
            if d is None:
                raise StoreError(f"{self.db_path}: no document {i!r}; run `toolkit docs` to list them or ingest it first")
            docs.append(d)
        return docs

    def put_document(self, doc: Document) -> None:
        """Store a document; the old version (if any) is replaced in one transaction and, when its
        content changed, its record and summary are dropped in the same one."""
        with self.batch() as c:
            old = c.execute("SELECT json_extract(body, '$.content_hash') FROM documents WHERE doc_id=?", (doc.doc_id,)).fetchone()
            self._put("documents", doc)
            if old is not None and old[0] != doc.content_hash:
                for kind in ("records", "summaries"):
                    c.execute(f"DELETE FROM {kind} WHERE doc_id=?", (doc.doc_id,))

    def delete_document(self, doc_id: str) -> None:
        with self.batch() as c:
            for kind in KINDS:
                c.execute(f"DELETE FROM {kind} WHERE doc_id=?", (doc_id,))
        for kind in KINDS:  # a file of the older layout the migration left (it could not be read)
            with contextlib.suppress(FileNotFoundError):
                (self.root / kind / f"{doc_id}.json").unlink()

    # --- records & summaries ------------------------------------------------------------------
    def get_record(self, doc_id: str) -> Record | None:
        return self._get("records", doc_id, Record)

    def put_record(self, record: Record) -> None:
        self._put("records", record)

    def records(self) -> list[Record]:
        return list(self._all("records", Record))

    def get_summary(self, doc_id: str) -> Summary | None:
        return self._get("summaries", doc_id, Summary)

    def put_summary(self, summary: Summary) -> None:
        self._put("summaries", summary)

    def summaries(self) -> list[Summary]:
        return list(self._all("summaries", Summary))

    # --- misc ---------------------------------------------------------------------------------
    def read_json(self, name: str) -> dict | list | None:
        p = self.root / name
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None

    def write_json(self, name: str, data: dict | list) -> None:
        atomic_write_text(self.root / name, json.dumps(data, ensure_ascii=False))
