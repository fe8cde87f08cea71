"""The local dense index: a memory-mapped matrix of chunk vectors beside index.sqlite.

    dense/vectors.f32        row r = the unit vector of the chunk whose row id (chunks.id, the FTS5
                             rowid) is r: float32, `dim` per row, no header
    dense/lists-<gen>.i16    row r = the IVF list of vector r (-1: not assigned yet)
    dense/centroids-<gen>.npz  the IVF list centroids (unit vectors, trained by k-means) and where
                             each list starts in:
    dense/ivf-<gen>.f32, .ids  the live vectors at training, ordered by list, and their row ids: a
                             question reads one contiguous slice per list it probes; vectors.f32
                             then keeps holes (a sparse file) where these rows were: no vector twice

Nothing is loaded whole: a question reads the centroids, the list ids and the rows of the lists it
probes (about settings.index.dense_probe_rows), through the page cache. Below
settings.index.dense_ivf_min_rows rows there are no lists and the search is exact over every row.

Row ids are never reused (toolkit.index.lexical keeps a counter), so a row's vector never changes once
committed and the ordered copy never holds a stale vector of a live row. Which rows are live is SQLite's to say: a row is a chunk's only while `chunks` holds its id. A
writer puts a step's vectors at their rows' offsets (and fsyncs) inside the transaction that inserts
the chunks, before the commit: a kill before the commit leaves rows no chunk names, which are never
returned and are overwritten by the next step. Deleted chunks leave dead rows until a rebuild.
The IVF generation in use is in the meta table ("dense_ivf"); a retrain writes a new generation's
files, commits the meta row and only then removes the old files (readers keep their maps).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

DIR = "dense"
VECTORS = "vectors.f32"


class DenseMatrix:
    """One store's dense matrix. `dim` is the embedder's; a reader opens it read-only."""

    def __init__(self, root: Path, dim: int, read_only: bool = False):
        self.dir = Path(root) / DIR
        self.dim = dim
        self.read_only = read_only
        self._vec: np.memmap | None = None
        self._vec_rows = 0
        self._ivf: tuple | None = None  # (gen, centroids, lists memmap, trained rows)

    @property
    def vectors_path(self) -> Path:
        return self.dir / VECTORS

    def exists(self) -> bool:
        return self.vectors_path.exists()

    def file_rows(self) -> int:
        try:
            return self.vectors_path.stat().st_size // (4 * self.dim)
        except OSError:
            return 0

    # --- writing ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Remove every file (a rebuild starts empty)."""
        self.close()
        if self.dir.is_dir():
            for p in self.dir.iterdir():
                p.unlink(missing_ok=True)
        self.dir.mkdir(parents=True, exist_ok=True)

    def write(self, rows: list[int], vecs, ivf_meta: dict | None) -> None:
        """Put unit vectors at their rows (and their IVF lists when lists exist); fsynced. Call inside
        the transaction that inserts those rows' chunks, before its commit."""
        if not rows:
            return
        V = _unit(np.asarray(vecs, dtype=np.float32).reshape(len(rows), self.dim))
        self.dir.mkdir(parents=True, exist_ok=True)
        order = np.argsort(rows)
        rs = np.asarray(rows, dtype=np.int64)[order]
        V = V[order]
        lists = None
        if ivf_meta:
            with np.load(self.dir / f"centroids-{ivf_meta['gen']}.npz") as z:
                cents = z["centroids"]
            lists = np.argmax(V @ cents.T, axis=1).astype(np.int16)
        row_bytes = 4 * self.dim
        fd = os.open(self.vectors_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            for start, end in _runs(rs):  # consecutive rows in one write
                os.pwrite(fd, V[start:end].tobytes(), int(rs[start]) * row_bytes)
            os.fsync(fd)
        finally:
            os.close(fd)
        if lists is not None:
            fd = os.open(self.dir / f"lists-{ivf_meta['gen']}.i16", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                for start, end in _runs(rs):
                    os.pwrite(fd, lists[start:end].tobytes(), int(rs[start]) * 2)
                os.fsync(fd)
            finally:
                os.close(fd)

    def train(self, live_rows: np.ndarray, gen: int, old_meta: dict | None = None, iters: int = 8, sample: int = 60_000,
              seed: int = 0) -> dict:
        """k-means lists over the live rows, and a copy of their vectors ordered by list (a new
        generation's files; the caller commits the returned meta, then calls compact and
        drop_generations). Every row of the file gets a list in lists-<gen> (rows written later get
        theirs on write). `old_meta`: the generation in use, through which rows are read."""
        live_rows = np.sort(live_rows)
        total = self.file_rows()

        def V(rows):
            return self._gather(rows, old_meta)

        n = len(live_rows)
        nlist = int(min(4096, max(16, round(2 * math.sqrt(n)))))
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(live_rows, size=min(n, max(sample, 40 * nlist)), replace=False))
        X = V(pick)
        C = X[rng.choice(len(X), size=nlist, replace=False)].copy()
        for _ in range(iters):
            a = _assign(X, C)
            sums = np.zeros_like(C)
            np.add.at(sums, a, X)
            empty = np.bincount(a, minlength=nlist) == 0
            sums[empty] = X[rng.choice(len(X), size=int(empty.sum()), replace=False)]
            C = _unit(sums)
        del X
        lists = np.full(total, -1, dtype=np.int16)
        for i in range(0, len(lists), 32_768):
            lists[i : i + 32_768] = _assign(V(np.arange(i, min(total, i + 32_768))), C)
        order = live_rows[np.argsort(lists[live_rows], kind="stable")]
        offsets = np.concatenate([[0], np.cumsum(np.bincount(lists[live_rows], minlength=nlist))]).astype(np.int64)
        with open(self.dir / f"ivf-{gen}.f32", "wb") as f:
            for i in range(0, n, 32_768):
                f.write(V(order[i : i + 32_768]).tobytes())
            f.flush()
            os.fsync(f.fileno())
        for name, arr in ((f"ivf-{gen}.ids", order.astype(np.int64)), (f"lists-{gen}.i16", lists)):
            with open(self.dir / name, "wb") as f:
                f.write(arr.tobytes())
                f.flush()
                os.fsync(f.fileno())
        tmp = self.dir / f".centroids-{gen}.npz"
        with open(tmp, "wb") as f:
            np.savez(f, centroids=C, offsets=offsets)
        os.replace(tmp, self.dir / f"centroids-{gen}.npz")
        return {"gen": gen, "nlist": nlist, "trained_rows": n, "max_row": int(live_rows[-1]) if n else -1}

    def compact(self, ivf_meta: dict) -> None:
        """Once a generation is committed: vectors.f32 rewritten with holes (a sparse file) where its
        ordered copy holds the rows, so no vector is kept twice on disk. Atomic (a new file renamed)."""
        V = self._vectors()
        start = int(ivf_meta["max_row"]) + 1
        row_bytes = 4 * self.dim
        tmp = self.dir / f".{VECTORS}.tmp"
        with open(tmp, "wb") as f:
            f.truncate(len(V) * row_bytes)
            f.seek(start * row_bytes)
            for i in range(start, len(V), 32_768):
                f.write(np.ascontiguousarray(V[i : i + 32_768]).tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.vectors_path)
        self._vec, self._vec_rows = None, 0

    def _gather(self, rows, ivf_meta: dict | None) -> np.ndarray:
        """The vectors of these rows: from the ordered copy of the generation in use up to its
        max_row (vectors.f32 has holes there once compacted), from vectors.f32 after it; a dead
        row gives zeros."""
        V = self._vectors()
        rows = np.asarray(rows, dtype=np.int64)
        ivf = self._lists(ivf_meta)
        if ivf is None:
            return np.asarray(V[rows], dtype=np.float32)
        ordered, pos = ivf[2], self._ivf[7]
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        old = rows < len(pos)
        where = np.flatnonzero(old)
        p = pos[rows[old]]
        out[where[p >= 0]] = ordered[p[p >= 0]]
        new = np.flatnonzero(~old & (rows < len(V)))
        out[new] = V[rows[new]]
        return out

    def drop_generations(self, keep: int | None) -> None:
        """Remove the IVF files of every generation but `keep`."""
        for p in self.dir.glob("*-*.*") if self.dir.is_dir() else ():
            stem = p.name.split(".")[0]
            if stem.startswith(("lists-", "centroids-", "ivf-")) and stem.split("-", 1)[1] != str(keep):
                p.unlink(missing_ok=True)

    # --- reading ---------------------------------------------------------------------------------
    def close(self) -> None:
        self._vec, self._vec_rows, self._ivf = None, 0, None

    def _vectors(self) -> np.ndarray:
        rows = self.file_rows()
        if self._vec is None or rows != self._vec_rows:
            self._vec = np.asarray(np.memmap(self.vectors_path, dtype=np.float32, mode="r", shape=(rows, self.dim))) if rows else np.zeros((0, self.dim), np.float32)
            self._vec_rows = rows
        return self._vec

    def _lists(self, ivf_meta: dict | None):
        """(centroids, list offsets, ordered vectors, their row ids, every row's list) of the
        committed generation, or None (no lists: exact search)."""
        if not ivf_meta:
            self._ivf = None
            return None
        gen = ivf_meta["gen"]
        path = self.dir / f"lists-{gen}.i16"
        size = path.stat().st_size // 2
        if self._ivf is None or self._ivf[0] != gen or self._ivf[6] != size:
            with np.load(self.dir / f"centroids-{gen}.npz") as z:
                cents, offsets = z["centroids"], z["offsets"]
            n = int(offsets[-1])
            ordered = np.asarray(np.memmap(self.dir / f"ivf-{gen}.f32", dtype=np.float32, mode="r", shape=(n, self.dim))) if n else np.zeros((0, self.dim), np.float32)  # a plain view: slices without memmap overhead
            ids = np.fromfile(self.dir / f"ivf-{gen}.ids", dtype=np.int64)
            lists = np.asarray(np.memmap(path, dtype=np.int16, mode="r", shape=(size,)))
            pos = np.full(int(ivf_meta.get("max_row", -1)) + 1, -1, dtype=np.int64)  # row id -> place in `ordered`
            pos[ids] = np.arange(len(ids))
            self._ivf = (gen, cents, offsets, ordered, ids, lists, size, pos)
        return self._ivf[1:6]

    def search(self, q, n: int, ivf_meta: dict | None, probe_rows: int, rows: np.ndarray | None = None,
               limit: int | None = None) -> list[tuple[int, float]]:
        """Candidate rows, best cosine first: up to `n` of them (dead rows included: the caller drops
        rows no chunk names), among rows 1 .. limit-1 (the committed ones: rows past them belong to a
        step that never committed). `rows` limits the search to those rows (a filter): exact over them.
        With lists: the rows of the lists nearest the question, read from the list-ordered copy (one
        contiguous slice a list), and the rows written since the lists were trained that fall in them."""
        V = self._vectors()
        V = V[: len(V) if limit is None else min(len(V), limit)]
        if len(V) < 2:
            return []
        qv = _unit(np.asarray(q, dtype=np.float32).reshape(1, -1))[0]
        ivf = self._lists(ivf_meta)
        if ivf is not None and rows is None:
            cents, offsets, ordered, ids, lists = ivf
            per_list = max(1.0, len(ids) / len(cents))
            nprobe = min(len(cents), max(1, math.ceil(probe_rows / per_list)))
            probe = np.sort(np.argpartition(-_dot(cents, qv), nprobe - 1)[:nprobe])
            parts = [(int(offsets[p]), int(offsets[p + 1])) for p in probe if offsets[p + 1] > offsets[p]]
            found = [ids[a:b] for a, b in parts]
            scored = [_dot(ordered[a:b], qv) for a, b in parts]
            start = int(ivf_meta.get("max_row", -1)) + 1
            if start < len(V):  # rows written since: their list is in lists-<gen> (-1 or past its end: read anyway)
                mask = np.zeros(len(cents) + 1, dtype=bool)
                mask[probe] = True
                mask[-1] = True
                tail = np.arange(start, len(V))
                known = tail[tail < len(lists)]
                tail = np.concatenate([known[mask[lists[known]]], tail[tail >= len(lists)]])
                found.append(tail)
                scored.append(_dot(np.asarray(V[tail]), qv) if len(tail) else np.zeros(0, np.float32))
            rows = np.concatenate(found) if found else np.zeros(0, np.int64)
            scores = np.concatenate(scored).astype(np.float32) if scored else np.zeros(0, np.float32)
        else:
            whole = rows is None
            rows = np.arange(1, len(V)) if whole else rows[(rows > 0) & (rows < len(V))]
            scores = np.empty(len(rows), dtype=np.float32)
            for i in range(0, len(rows), 16_384):  # in blocks: a bounded copy at a time
                part = V[1 + i : 1 + i + 16_384] if whole else self._gather(rows[i : i + 16_384], ivf_meta)
                scores[i : i + len(part)] = _dot(part, qv)
        if not len(rows):
            return []
        k = min(n, len(rows))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        top = top[np.lexsort((rows[top], -scores[top]))]
        return [(int(rows[i]), float(scores[i])) for i in top]


def ivf_due(ivf_meta: dict | None, live: int, min_rows: int) -> bool:
    """Whether the lists should be (re)trained: none yet at min_rows live rows, or the live rows
    doubled since the last training."""
    if live < min_rows:
        return False
    return not ivf_meta or live > 2 * int(ivf_meta.get("trained_rows", 0))


def meta_json(v) -> str:
    return json.dumps(v)


def _unit(X: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(X, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return (X / n).astype(np.float32, copy=False)


def _dot(M: np.ndarray, q: np.ndarray) -> np.ndarray:
    """M @ q for a question: einsum, not BLAS. OpenBLAS wakes its threads for a matrix-vector product,
    which on two shared cores took 7 ms for the 1,265 centroids against 0.05 ms on one thread (and
    0.13 ms with einsum); the training's matrix-matrix products keep BLAS."""
    return np.einsum("ij,j->i", M, q)


def _assign(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    return np.argmax(X @ C.T, axis=1)


def _runs(rs: np.ndarray):
    """[start, end) index ranges of consecutive row numbers in a sorted array."""
    breaks = np.flatnonzero(np.diff(rs) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(rs)]])
    return zip(starts.tolist(), ends.tolist())
