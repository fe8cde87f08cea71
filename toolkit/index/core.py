"""The Index object: files, Chroma, the committed state and search. Building is in .syncing."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from ..chunking import bm25_tokens
from ..errors import StoreError
from ..store import Store
from .retrieval import FusionParams, Hit, Mode, _postings, allowed_docs, bm25_scores, expand_query, fuse

MANIFEST = "index_manifest.json"
BM25_FILE = "bm25.json"
INDEX_VERSION = 4  # bump when chunking, tokens or the embedded text change
_COLLECTION_RE = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")
log = logging.getLogger("toolkit.index")


def _read_json_object(path: Path, key: str, kind: type) -> dict | None:
    """The JSON object in path when its `key` holds a `kind`; None when missing, unreadable or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get(key), kind) else None


class Index:
    """Chroma + BM25 over the store's documents. Pass the settings and the store it describes.

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
        self._state: dict | None = None
        self._state_key: tuple | None = None
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
                "embed_max_chars": ix.embed_max_chars, "collection": ix.collection, "chroma_url": ix.chroma_url}

    @property
    def manifest_path(self) -> Path:
        return self.store.root / MANIFEST

    @property
    def bm25_path(self) -> Path:
        return self.store.root / BM25_FILE

    def read_manifest(self) -> dict | None:
        """The manifest, or None when missing or unreadable."""
        return _read_json_object(self.manifest_path, "docs", dict)

    def read_bm25(self) -> dict | None:
        """The BM25 state, or None when missing or unreadable."""
        return _read_json_object(self.bm25_path, "chunks", list)

    # --- chroma -------------------------------------------------------------------------------
    def _client(self):
        if self._client_obj is not None:
            if self.settings.index.chroma_url or (self.store.chroma_dir / "chroma.sqlite3").exists():
                return self._client_obj
            self._client_obj = None  # the folder was deleted under a running app: open a fresh one
        import chromadb

        cs = chromadb.Settings(anonymized_telemetry=False)
        url = self.settings.index.chroma_url
        if url:
            from urllib.parse import urlparse

            u = urlparse(url if "://" in url else f"http://{url}")
            try:
                self._client_obj = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                                       ssl=u.scheme == "https", settings=cs)
                self._client_obj.heartbeat()
            except Exception as e:  # chromadb raises several kinds on connection errors
                self._client_obj = None
                raise StoreError(f"chroma server {url} is unreachable ({type(e).__name__}); start `chroma run --path DIR --port N` or drop --chroma-url") from e
        else:
            path = self.store.chroma_dir
            if not (path / "chroma.sqlite3").exists():
                # a deleted folder must not be served from chroma's per-process client cache
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()
            path.mkdir(parents=True, exist_ok=True)
            self._client_obj = chromadb.PersistentClient(path=str(path), settings=cs)
        return self._client_obj

    def collection(self, create: bool = True):
        """The Chroma collection. Never with Chroma's default embedding function: we always
        pass precomputed embeddings (the default one would download a model)."""
        if self.read_only and not self.settings.index.chroma_url and not (self.store.chroma_dir / "chroma.sqlite3").exists():
            return None  # a reader never creates the index
        client = self._client()
        name = self.settings.index.collection
        if create:
            return client.get_or_create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
        try:
            return client.get_collection(name, embedding_function=None)
        except Exception:
            return None

    def _drop_collection(self) -> None:
        client = self._client()
        try:
            client.delete_collection(self.settings.index.collection)
        except Exception:
            pass

    def chroma_counts(self) -> dict[str, int] | None:
        """Chunks per doc_id as Chroma holds them (None when the collection is missing)."""
        col = self.collection(create=False)
        if col is None:
            return None
        counts: dict[str, int] = {}
        n = col.count()
        for off in range(0, n, 5000):
            got = col.get(include=["metadatas"], limit=5000, offset=off)
            for m in got["metadatas"] or []:
                d = (m or {}).get("doc_id", "?")
                counts[d] = counts.get(d, 0) + 1
        return counts


    # --- building (toolkit.index.syncing) -----------------------------------------------------
    def sync(self, lock: bool = True, _force: bool = False, progress=None):
        """Make Chroma and BM25 hold exactly the chunks of the store's current documents, committing
        in steps (an interrupted sync resumes at the next run). Pass lock=False when the caller already
        holds store.lock(); `progress` is a toolkit.progress reporter. On a read-only index: nothing."""
        from .syncing import SyncReport, run_sync

        if self.read_only:
            return SyncReport(skipped=True)
        if lock:
            with self.store.lock():
                return run_sync(self, _force, progress)
        return run_sync(self, _force, progress)

    def rebuild(self, lock: bool = True, progress=None):
        """Drop everything the index holds and rebuild it from the stored documents."""
        return self.sync(lock=lock, _force=True, progress=progress)

    # --- search -------------------------------------------------------------------------------
    def _dense_collection(self):
        """The collection to query; for a reader, None (BM25 only) while a writer has it in pieces."""
        try:
            col = self.collection(create=False)
        except Exception as e:  # noqa: BLE001 - chromadb raises its own kinds on a busy or damaged store
            if not self.read_only or isinstance(e, StoreError):
                raise
            log.warning("Chroma cannot be opened while the index is being written (%s); BM25 only", type(e).__name__)
            return None
        if col is None and not (self.read_only and self.store.is_locked()):
            raise StoreError(f"{self.store.root}: the Chroma collection is missing; run `toolkit reindex`")
        return col

    def _load(self) -> dict:
        """The index as last committed (cached while its files are unchanged). Read-only: while a writer
        builds the first index, that is an empty index, not an error."""
        key = None
        try:
            st1, st2 = self.manifest_path.stat(), self.bm25_path.stat()
            key = (st1.st_mtime_ns, st1.st_size, st2.st_mtime_ns, st2.st_size)
        except OSError:
            pass
        if self._state is not None and key == self._state_key:
            return self._state
        manifest, bm = self.read_manifest(), self.read_bm25()
        if manifest is None or bm is None:
            if self.store.doc_ids() and not (self.read_only and self.store.is_locked()):
                raise StoreError(f"{self.store.root}: the search index is missing or unreadable; run `toolkit reindex`")
            manifest = {"docs": {}}
            bm = {"chunks": [], "paragraphs": {}, "docs": {}}
        from rank_bm25 import BM25Okapi

        chunks = bm["chunks"]
        state = {
            "manifest": manifest,
            "chunks": chunks,
            "paragraphs": bm["paragraphs"],
            "bm25": (okapi := BM25Okapi([c["tokens"] for c in chunks])) if chunks else None,
            "postings": _postings(okapi) if chunks else {},
            "numbers": [{k for t in c["tokens"] if t.startswith("#") and (k := t[1:])} for c in chunks],
            "title_tokens": {d: set(v.get("title_tokens", [])) for d, v in bm.get("docs", {}).items()},
            "by_id": {c["chunk_id"]: i for i, c in enumerate(chunks)},
        }
        self._state, self._state_key = state, key
        return state


    def search(self, query: str, k: int = 5, mode: Mode = "hybrid", doc_ids=None, province: str | None = None,
               date_from=None, date_to=None) -> list[Hit]:
        """Top-k paragraphs for the query (best chunk each), after the filters."""
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown search mode {mode!r}: use hybrid, bm25 or dense")
        state = self._load()
        chunks = state["chunks"]
        if not chunks or not query.strip():
            return []
        allowed = allowed_docs(state, doc_ids, province, date_from, date_to)
        if allowed is not None and not allowed:
            return []
        docs_held = state["manifest"]["docs"]
        n_allowed = sum(int(v.get("n_chunks", 0)) for d, v in docs_held.items() if allowed is None or d in allowed)
        P = self.params
        expansions = expand_query(query)

        bm25: dict[int, float] = {}
        if mode in ("hybrid", "bm25"):
            q_tokens = bm25_tokens(" ".join([query, *expansions]))
            scores = bm25_scores(state["bm25"], state["postings"], q_tokens)
            bm25 = {i: sc for i, sc in scores.items() if sc > 0 and (allowed is None or chunks[i]["doc_id"] in allowed)}

        dense: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            dq = query + (" (" + "; ".join(expansions) + ")" if P.expand_dense and expansions else "")
            qv = self.embedder.embed_query(dq)
            col = self._dense_collection()
            res = {"ids": [[]], "distances": [[]]}
            if col is not None:
                n = min(P.n_candidates, n_allowed)
                where = {"doc_id": {"$in": sorted(allowed)}} if allowed is not None else None
                try:
                    res = col.query(query_embeddings=[qv], n_results=n, where=where, include=["distances"])
                except Exception as e:  # noqa: BLE001 - a writer in another process may be mid-commit
                    if not self.read_only:
                        raise
                    log.warning("dense search unavailable while the index is being written (%s); BM25 only", type(e).__name__)
            for cid, dist in zip(res["ids"][0], res["distances"][0]):
                i = state["by_id"].get(cid)
                if i is not None:
                    dense[i] = 1.0 - float(dist)

        scored = fuse(self.params, query, state, bm25, dense, mode)
        out: list[Hit] = []
        for key, s, i, rb, rd in scored[:k]:
            c = chunks[i]
            ptext = state["paragraphs"].get(f"{c['doc_id']}::{c['paragraph_id']}", "")
            out.append(Hit(chunk_id=c["chunk_id"], doc_id=c["doc_id"], paragraph_id=c["paragraph_id"],
                           text=ptext[c["start"] : c["end"]], paragraph_text=ptext, start=c["start"], end=c["end"],
                           score=round(s, 6), bm25_rank=rb, dense_rank=rd))
        return out

