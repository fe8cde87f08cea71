"""The Index object: its database, Chroma and search. Building is in .syncing, Chroma in .dense."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import re
import sqlite3
import threading
from pathlib import Path

from ..chunking import bm25_tokens
from ..errors import StoreError
from ..vi.places import find_provinces
from ..store import Store
from ..vi.text import fold, syllables
from .dense import ChromaMixin
from .lexical import DB_FILE, LexicalDB, fts_token, upgrade_config
from .retrieval import FusionParams, Hit, Mode, _parse_date, expand_query, fuse
from .vectors import VectorsMixin

MANIFEST = "index_manifest.json"  # the old format's manifest (with BM25_FILE): `toolkit reindex` replaces both
BM25_FILE = "bm25.json"
INDEX_VERSION = 6  # bump when chunking, tokens or the embedded text change
_COLLECTION_RE = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")
log = logging.getLogger("toolkit.index")


class Index(ChromaMixin, VectorsMixin):
    """Chroma + FTS5 BM25 over the store's documents. Pass the settings and the store it describes.

    `Index.open(settings, store, read_only=True)` is the reader a question uses: it searches what is
    committed, never syncs, never takes the writer lock, and works while another process indexes."""

    def __init__(self, settings, store: Store | None = None, embedder=None, read_only: bool = False):
        from ..embed import CachedEmbedder, load_embedder

        self.settings = settings
        self.store = store or Store(settings.store)
        self.read_only = read_only
        base = embedder or load_embedder(settings)
        self.embedder = CachedEmbedder(base, self.store.root / "embeddings.sqlite", read_only=read_only)
        self.params = FusionParams(rrf_k=settings.index.rrf_k)
        self._client_obj = None
        self._tls = threading.local()  # a reader keeps one connection per thread: questions never queue
        self._shared_db: LexicalDB | None = None
        self._lock = contextlib.nullcontext() if read_only else threading.RLock()  # the writer's one connection
        self._count_cache: tuple[int, int] | None = None
        name = settings.index.collection
        if not _COLLECTION_RE.match(name):
            raise StoreError(f"index collection name {name!r} is invalid: use 3-512 characters of letters, digits, '.', '_' or '-'")

    @classmethod
    def open(cls, settings, store: Store | None = None, *, read_only: bool = False, embedder=None) -> "Index":
        """The index of the store; read_only for questions (see the class docstring)."""
        return cls(settings, store, embedder=embedder, read_only=read_only)

    # --- config -------------------------------------------------------------------------------
    def config(self) -> dict:
        ix = self.settings.index
        return {"version": INDEX_VERSION, "embedder": self.embedder.name, "dim": self.embedder.dim,
                "window_sentences": ix.window_sentences, "window_overlap": ix.window_overlap,
                "whole_max_chars": ix.whole_max_chars, "piece_chars": ix.piece_chars,
                "embed_max_chars": ix.embed_max_chars, "collection": ix.collection, "chroma_url": ix.chroma_url,
                "dense": self.dense_kind()}

    @property
    def manifest_path(self) -> Path:
        """The index database (manifest, chunks, FTS5 tables); the name is kept for callers."""
        return self.store.root / DB_FILE

    @property
    def db_path(self) -> Path:
        return self.store.root / DB_FILE

    def old_format(self) -> bool:
        """A store indexed by an older version (bm25.json + index_manifest.json, no index.sqlite)."""
        return (self.store.root / BM25_FILE).exists() and not self.db_path.exists()

    @property
    def _db(self) -> LexicalDB | None:
        return getattr(self._tls, "db", None) if self.read_only else self._shared_db

    @_db.setter
    def _db(self, value: LexicalDB | None) -> None:
        if self.read_only:
            self._tls.db = value
        else:
            self._shared_db = value

    def db(self) -> LexicalDB | None:
        """The connection to the index database (one per Index). A reader gets None while there is none."""
        if self._db is not None and self._db.path.exists():
            return self._db
        if self._db is not None:
            self._db.close()
            self._db = None
        if self.read_only and not self.db_path.exists():
            if self.old_format():
                raise StoreError(f"{self.store.root}: the index is in the old format (bm25.json); run `toolkit reindex`")
            return None
        try:
            self._db = LexicalDB(self.db_path, read_only=self.read_only)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.db_path}: the index database cannot be opened ({e}); run `toolkit reindex`") from e
        return self._db

    def reset_db(self) -> None:
        """A rebuild's fresh start: the index database deleted and made again, empty (the store id and
        the server collections it created are carried over when they can be read)."""
        keep = {}
        try:
            db = self.db()
            keep = {k: v for k in ("store_id", "collections_created") if (v := db.get_meta(k)) is not None}
        except (sqlite3.DatabaseError, StoreError):
            pass
        if self._db is not None:
            self._db.close()
            self._db = None
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        db = self.db()
        with db.conn:
            for k, v in keep.items():
                db.set_meta(k, v)

    def read_manifest(self) -> dict | None:
        """{"config", "docs": {doc_id: {content_hash, meta, n_chunks}}}, or None when there is no index
        (reads every manifest row: for check and sync, never for a question)."""
        try:
            db = self.db()
            if db is None:
                return None
            with self._lock:
                cfg = upgrade_config(db.get_meta("config"))
                if cfg is None:
                    return None
                return {"config": cfg, "docs": db.manifest_docs(), "updated": db.get_meta("updated")}
        except (sqlite3.DatabaseError, StoreError):
            return None

    def held_ids(self) -> list[str]:
        """The ids of the indexed documents (no metadata read; [] when there is no index)."""
        try:
            with self._lock:
                db = self.db()
                return [r[0] for r in db.conn.execute("SELECT doc_id FROM docs")] if db is not None else []
        except sqlite3.DatabaseError:
            return []

    def lexical_chunks(self, doc_id: str | None = None) -> list[dict]:
        """The chunk rows of the index database (one document's, or all): chunk_id, doc_id,
        paragraph_id, start, end, whole, numbers. For checks and tests: reads every row asked for."""
        with self._lock:
            db = self.db()
            return db.chunk_rows(doc_id=doc_id) if db is not None else []

    def lexical_counts(self) -> tuple[dict[str, int], int] | None:
        """(chunk rows per doc_id, rows of the FTS5 table), or None when there is no index database."""
        with self._lock:
            db = self.db()
            if db is None:
                return None
            return db.chunk_counts(), db.conn.execute("SELECT count(*) FROM fts").fetchone()[0]

    def paragraph_text(self, doc_id: str, paragraph_id: str) -> str | None:
        with self._lock:
            db = self.db()
            return db.paragraph_texts([(doc_id, paragraph_id)]).get((doc_id, paragraph_id)) if db is not None else None

    def store_id(self) -> str:
        """A random id kept in the index database; names this store's collection on a Chroma server."""
        db = self.db()
        sid = db.get_meta("store_id") if db is not None else None
        if sid is None and db is not None and not self.read_only:
            import uuid

            sid = uuid.uuid4().hex[:12]
            with db.conn:
                db.set_meta("store_id", sid)
        return sid or "none"

    # --- building (toolkit.index.syncing) -----------------------------------------------------
    def sync(self, lock: bool = True, _force: bool = False, progress=None):
        """Make Chroma and BM25 hold exactly the chunks of the store's current documents, committing
        in steps (an interrupted sync resumes at the next run). Pass lock=False when the caller already
        holds store.lock(); `progress` is a toolkit.progress reporter. On a read-only index: nothing."""
        from .syncing import SyncReport, run_sync

        if self.read_only:
            return SyncReport(skipped=True)
        try:
            if lock:
                with self.store.lock():
                    return run_sync(self, _force, progress)
            return run_sync(self, _force, progress)
        except OSError as e:  # the dense matrix's files
            if e.errno == errno.ENOSPC:
                raise StoreError(f"{self.matrix.dir}: disk full while writing the dense vectors; free space and run the sync again "
                                 "(every committed step is kept)") from e
            raise StoreError(f"{self.matrix.dir}: the dense vectors cannot be written ({e.strerror}); run `toolkit reindex`") from e
        except sqlite3.DatabaseError as e:
            if "full" in str(e):
                raise StoreError(f"{self.db_path}: disk full while writing the index; free space and run the sync again "
                                 "(every committed step is kept)") from e
            raise StoreError(f"{self.db_path}: the index database cannot be written ({e}); run `toolkit reindex`") from e

    def rebuild(self, lock: bool = True, progress=None):
        """Drop everything the index holds and rebuild it from the stored documents."""
        return self.sync(lock=lock, _force=True, progress=progress)

    # --- search -------------------------------------------------------------------------------
    def _allowed(self, db: LexicalDB, doc_ids, province, date_from, date_to) -> set[str] | None:
        """The indexed documents the filters let through (None: no filter)."""
        if doc_ids is None and province is None and date_from is None and date_to is None:
            return None
        provinces = None
        if province is not None:
            provinces = {fold(n) for n, _, _ in find_provinces(province)} or {fold(province.strip())}
        return db.filter_docs(doc_ids, provinces, _parse_date(date_from), _parse_date(date_to))

    def _n_chunks(self, db: LexicalDB) -> int:
        """Chunks indexed, cached until another connection commits."""
        v = db.data_version()
        if self._count_cache is None or self._count_cache[0] != v:
            self._count_cache = (v, db.n_chunks())
        return self._count_cache[1]

    def _query_tokens(self, db: LexicalDB, text: str) -> list[str]:
        """The query's FTS tokens (repeats kept), without its most common ones once their postings
        exceed settings.index.bm25_max_postings: on a large index a question then reads the postings
        of its rarer tokens only (the ones BM25 weighs most); on a small one, every token."""
        toks = [fts_token(t) for t in bm25_tokens(text)]
        df = db.doc_freqs("fdf", toks)
        budget, keep = self.settings.index.bm25_max_postings, set()
        for t in sorted(df, key=lambda t: (df[t], t)):
            if keep and budget - df[t] < 0:
                break
            budget -= df[t]
            keep.add(t)
        return [t for t in toks if t in keep]

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid", doc_ids=None, province: str | None = None,
               date_from=None, date_to=None) -> list[Hit]:
        """Top-k paragraphs for the query (best chunk each), after the filters."""
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown search mode {mode!r}: use hybrid, bm25 or dense")
        with self._lock:
            db = self.db()
            if db is None or not query.strip():
                if db is None and (not self.read_only or (self.store.doc_ids() and not self.store.is_locked())):
                    raise StoreError(f"{self.store.root}: the search index is missing; run `toolkit reindex`")
                return []
            try:
                return self._search(db, query, k, mode, doc_ids, province, date_from, date_to)
            except sqlite3.DatabaseError as e:
                raise StoreError(f"{self.db_path}: the index database cannot be read ({e}); run `toolkit reindex`") from e

    def _search(self, db: LexicalDB, query, k, mode, doc_ids, province, date_from, date_to) -> list[Hit]:
        P, ix = self.params, self.settings.index
        n_held = self._n_chunks(db)
        if not n_held:
            if db.get_meta("config") is None and self.store.doc_ids() and not (self.read_only and self.store.is_locked()):
                raise StoreError(f"{self.store.root}: the search index is missing or unreadable; run `toolkit reindex`")
            return []
        allowed = self._allowed(db, doc_ids, province, date_from, date_to)
        if allowed is not None and not allowed:
            return []
        expansions = expand_query(query)
        q_tokens = self._query_tokens(db, " ".join([query, *expansions])) if mode in ("hybrid", "bm25") else []
        bm25 = db.bm25(q_tokens, ix.bm25_candidates, allowed) if q_tokens else {}

        dense_ids: dict[int, float] = {}  # chunk row id -> cosine
        if mode in ("hybrid", "dense"):
            dq = query + (" (" + "; ".join(expansions) + ")" if P.expand_dense and expansions else "")
            qv = self.embedder.embed_query(dq)
            n_allowed = n_held if allowed is None else db.conn.execute(
                "SELECT coalesce(sum(n_chunks),0) FROM docs WHERE doc_id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(allowed)),)).fetchone()[0]
            dense_ids = self.dense_hits(db, qv, min(P.n_candidates, n_allowed), allowed, n_allowed)

        rows = {r["id"]: r for r in db.chunk_rows(rowids=list(bm25) + [i for i in dense_ids if i not in bm25])} if bm25 or dense_ids else {}
        texts: dict[tuple[str, str], str] = {}
        if mode == "hybrid" and q_tokens and len(bm25) >= ix.bm25_candidates:
            # the BM25 score (as a full ranking would give it) of the best dense candidates outside BM25's top list
            # (when the list is not full it holds every matching chunk: the others score 0)
            best = sorted((r for rid, r in rows.items() if rid not in bm25), key=lambda r: (-dense_ids.get(r["id"], 0.0), r["id"]))
            best = best[: ix.bm25_rescore]
            texts = db.paragraph_texts((r["doc_id"], r["paragraph_id"]) for r in best)
            bm25.update(db.bm25_of(best, texts, q_tokens))
        order = sorted(rows)  # chunk row ids: a fixed order for ties
        pos = {rid: i for i, rid in enumerate(order)}
        chunks = [rows[rid] for rid in order]
        docs = db.doc_rows({c["doc_id"] for c in chunks})
        state = {"chunks": chunks, "numbers": [c["numbers"] for c in chunks],
                 "title_tokens": {d: v["title_tokens"] for d, v in docs.items()},
                 "manifest": {"docs": {d: {"meta": v["meta"]} for d, v in docs.items()}}}
        bm = {pos[rid]: sc for rid, sc in bm25.items() if rid in pos and sc > 0}
        dense = {pos[r["id"]]: dense_ids[r["id"]] for r in chunks if r["id"] in dense_ids}
        scored = fuse(self.params, query, state, bm if mode != "dense" else {}, dense if mode != "bm25" else {}, mode)[:k]
        texts.update(db.paragraph_texts((chunks[i]["doc_id"], chunks[i]["paragraph_id"]) for _, _, i, _, _ in scored
                                        if (chunks[i]["doc_id"], chunks[i]["paragraph_id"]) not in texts))
        out: list[Hit] = []
        for _, s, i, rb, rd in scored:
            c = chunks[i]
            ptext = texts.get((c["doc_id"], c["paragraph_id"]), "")
            out.append(Hit(chunk_id=c["chunk_id"], doc_id=c["doc_id"], paragraph_id=c["paragraph_id"],
                           text=ptext[c["start"] : c["end"]], paragraph_text=ptext, start=c["start"], end=c["end"],
                           score=round(s, 6), bm25_rank=rb, dense_rank=rd))
        return out

    def docs_naming(self, phrase: str, limit: int) -> set[str] | None:
        """The documents that write the phrase (a name of two or more syllables: each of its syllable
        pairs in one chunk); None when more than `limit` do or the phrase has one syllable."""
        syl = syllables(phrase)
        if len(syl) < 2:
            return None
        with self._lock:
            db = self.db()
            if db is None:
                return None
            try:
                found = db.docs_with_all([fts_token(f"{a}_{b}") for a, b in zip(syl, syl[1:])], limit)
            except sqlite3.DatabaseError:
                return None
        return None if len(found) > limit else found

    def term_counts(self, keys: list[str]) -> tuple[int, dict[str, int]]:
        """For the reader's term weights: the number of indexed paragraphs, and in how many of them each
        syllable or syllable pair ('a' / 'a b') occurs (absent ones left out). Reads only those keys."""
        from .lexical import stats_key

        with self._lock:
            db = self.db()
            if db is None:
                return 0, {}
            got = db.doc_freqs("tdf", [stats_key(k) for k in keys])
            return db.n_paragraphs(), {k: got[stats_key(k)] for k in keys if stats_key(k) in got}
