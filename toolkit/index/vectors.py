"""The dense side of a search, whichever holds the vectors: the local matrix (toolkit.index.matrix)
or Chroma (toolkit.index.dense: a local PersistentClient, or the server of settings.index.chroma_url).
A mixin of Index: it needs self.settings, self.store, self.read_only, self.embedder, self.db()."""

from __future__ import annotations

import json
import logging

import numpy as np

from ..errors import StoreError
from .lexical import upgrade_config
from .matrix import DenseMatrix

log = logging.getLogger("toolkit.index")


class VectorsMixin:
    def dense_kind(self) -> str:
        """'chroma' with a server or when settings ask for local Chroma; 'matrix' otherwise."""
        return "chroma" if self.settings.index.chroma_url or self.settings.index.dense == "chroma" else "matrix"

    @property
    def matrix(self) -> DenseMatrix:
        m = getattr(self, "_matrix", None)
        if m is None:
            m = self._matrix = DenseMatrix(self.store.root, self.embedder.dim, read_only=self.read_only)
        return m

    def dense_counts(self) -> dict[str, int] | None:
        """Chunks per doc_id whose vectors the dense side holds (None: it has none at all)."""
        if self.dense_kind() == "chroma":
            return self.chroma_counts()
        if not self.matrix.exists():
            return None
        db = self.db()
        return dict(db.conn.execute("SELECT doc_id, count(*) FROM chunks WHERE id < ? GROUP BY doc_id",
                                    (self.matrix.file_rows(),)))

    def dense_hits(self, db, qv, n: int, allowed: set[str] | None, n_allowed: int) -> dict[int, float]:
        """chunk row id -> cosine of the best n chunks (among the allowed documents' when filtered)."""
        if n <= 0:
            return {}
        built = (upgrade_config(db.get_meta("config")) or {}).get("dense")
        if self.dense_kind() == "matrix" and built != "chroma":  # a store not converted yet is read from its Chroma
            return self._matrix_hits(db, qv, n, allowed)
        return self._chroma_hits(db, qv, n, allowed, n_allowed)

    def _matrix_hits(self, db, qv, n: int, allowed) -> dict[int, float]:
        ix = self.settings.index
        if not self.matrix.exists():
            if self.read_only and self.store.is_locked():
                return {}
            raise StoreError(f"{self.matrix.vectors_path}: the dense vectors are missing; run `toolkit reindex`")
        rows = None
        if allowed is not None:
            rows = np.fromiter((r[0] for r in db.conn.execute(
                "SELECT id FROM chunks WHERE doc_id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(allowed)),))), dtype=np.int64)
        ivf = db.get_meta("dense_ivf")
        limit = db.next_row()
        if rows is None and limit - 1 == self._n_chunks(db):  # no dead row (nothing deleted): every candidate is a chunk
            return dict(self.matrix.search(qv, n, ivf, ix.dense_probe_rows, None, limit))
        want = n
        while True:  # dead rows (chunks deleted since) come back too: ask for more until n live ones
            cand = self.matrix.search(qv, want, ivf, ix.dense_probe_rows, rows, limit)
            live = {r["id"] for r in db.chunk_rows(rowids=[r for r, _ in cand])}
            got = {r: s for r, s in cand if r in live}
            if len(got) >= n or len(cand) < want:
                return dict(list(got.items())[:n])
            want *= 2

    def _chroma_hits(self, db, qv, n: int, allowed, n_allowed: int) -> dict[int, float]:
        col = self._dense_collection()
        if col is None or min(n, n_allowed) <= 0:
            return {}
        where = {"doc_id": {"$in": sorted(allowed)}} if allowed is not None else None
        kw = {"query_embeddings": [qv], "n_results": min(n, n_allowed), "where": where, "include": ["distances"]}
        try:
            try:
                res = col.query(**kw)
            except Exception:  # noqa: BLE001 - a kept handle of a collection rebuilt since: fetch it again
                if not self.read_only or (col := self._dense_collection(fresh=True)) is None:
                    raise
                res = col.query(**kw)
        except Exception as e:  # noqa: BLE001 - a writer in another process may be mid-commit
            if not self.read_only or isinstance(e, StoreError):
                raise
            log.warning("dense search unavailable while the index is being written (%s); BM25 only", type(e).__name__)
            return {}
        cos = {cid: 1.0 - float(dist) for cid, dist in zip(res["ids"][0], res["distances"][0])}
        return {r["id"]: cos[r["chunk_id"]] for r in db.chunk_rows(chunk_ids=list(cos))}

    def _dense_collection(self, fresh: bool = False):
        """The collection to query (a reader keeps the handle until a query fails: `fresh`); for a
        reader, None (BM25 only) while a writer has it in pieces."""
        cached = getattr(self, "_col_cache", None)
        if self.read_only and not fresh and cached is not None and cached[0] is self._client_obj:
            return cached[1]
        try:
            col = self.collection(create=False)
        except Exception as e:  # noqa: BLE001 - chromadb raises its own kinds on a busy or damaged store
            if not self.read_only or isinstance(e, StoreError):
                raise
            log.warning("Chroma cannot be opened while the index is being written (%s); BM25 only", type(e).__name__)
            return None
        if col is None and not (self.read_only and self.store.is_locked()):
            where = f"chroma server {self.settings.index.chroma_url}" if self.settings.index.chroma_url else str(self.store.root)
            raise StoreError(f"{where}: the Chroma collection {self.collection_name()!r} this store's index holds is missing; run `toolkit reindex`")
        self._col_cache = (self._client_obj, col) if col is not None else None
        return col
