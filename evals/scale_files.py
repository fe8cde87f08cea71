"""The scale benchmark's ingest through files and `toolkit ingest`, with an optional kill -9 and rerun.

    python -m evals.scale_bench --store DIR --docs 100000 --files FOLDER [--kill-at-indexed 50000]

The synthetic articles (evals.synthetic, article i from Random(i)) are written as FOLDER/syn_NNNNNN.txt
(title, blank line, paragraphs; files already there are kept), then `python -m toolkit ingest FOLDER`
runs as a child process, exactly as a user runs it: read, parse and store every file, then index.
Its wall time, CPU seconds and peak RSS (from wait4) are printed. With --kill-at-indexed N the child
is killed with SIGKILL once the index holds N documents (polled read-only from index.sqlite), then the
same command runs again and must finish the job; `toolkit check` and the row counts (documents,
chunk rows and distinct chunk ids, FTS5 rows, dense vectors) show whether anything is missing or twice.
With --ask-during S, while the (last) ingest runs, a question about an article the index already
holds is asked every S seconds through `toolkit ask` in another process (read-only: no writer lock,
no sync); each one's wall time, in-process time, answer and whether it cites that article are printed.

Measured 2026-12-02 (session 6, 2 cores shared with 3 other sessions, nice 19, hash embedder):

    python -m evals.scale_bench --store /tmp/s6-scale/s100k --docs 100000 --files /tmp/s6-scale/f100k \
        --kill-at-indexed 50000 --queries 200
      files 74.6 s; toolkit ingest killed at 50,048 indexed: 3,622.9 s wall, 362.6 CPU-s, peak RSS 194 MB
      (load 9-11); after the kill 50,048 docs = 200,192 chunk rows = distinct chunk ids = FTS rows = vectors;
      rerun 1,076.6 s wall, 237.7 CPU-s, peak RSS 1,283 MB (the IVF training's pass over the mapped
      vectors; load 5-8); `toolkit check`: store ok; 100,000 docs, 400,000 chunk rows = distinct ids = FTS
      rows = vectors. Disk: store.sqlite 413 MB, index.sqlite 438 MB, dense 620 MB, embeddings.sqlite
      859 MB (the passage cache), total 2.34 GB. Questions (load 4-6): first search of a new process
      0.10 s (imports 0.27 s), hybrid p50 30 ms / p95 46 ms, bm25 15/30 ms, dense 15/24 ms.
    python -m evals.scale_bench --store /tmp/s6-scale/a10k --docs 10000 --files /tmp/s6-scale/f10k --ask-during 60
      10,000 articles in 557.7 s wall (56.5 CPU-s, peak RSS 129 MB, load ~10.5); 6 questions during it,
      every one answered (8.7-18.4 s wall for the whole `toolkit ask` process, 1.4-2.5 s in-process).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .synthetic import synthetic_paragraphs

REPO = Path(__file__).resolve().parents[1]


def write_articles(folder: Path, n: int) -> dict:
    """FOLDER/syn_NNNNNN.txt for i < n (existing files are kept, so a rerun writes nothing)."""
    t0 = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for i in range(n):
        p = folder / f"syn_{i:06d}.txt"
        if p.exists():
            continue
        title, paras = synthetic_paragraphs(random.Random(i), i)
        p.write_text("\n\n".join([title, *paras]) + "\n", encoding="utf-8")
        written += 1
    return {"files_written": written, "files_s": round(time.perf_counter() - t0, 1)}


def _indexed_docs(store: Path) -> int:
    db = store / "index.sqlite"
    if not db.exists():
        return 0
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return c.execute("SELECT count(*) FROM docs").fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return 0


def _toolkit(store: Path, embedder: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "toolkit", *args, "--store", str(store), "--embedder", embedder]


def question_for(i: int) -> tuple[str, str]:
    """A question about synthetic article i (its heading without the bulletin number: several articles
    may share it) and the figure article i answers it with."""
    title, paras = synthetic_paragraphs(random.Random(i), i)
    admitted = paras[1].split("kết nạp mới ", 1)[1].split(" ")[0]
    return f"{title.split(' (bản tin')[0]}: toàn Đảng bộ kết nạp mới bao nhiêu đảng viên?", admitted


def ask_now(store: Path, embedder: str, indexed: int, rng: random.Random) -> dict:
    """`toolkit ask` (a new process, read-only) about an article the index already holds."""
    i = rng.randrange(max(1, indexed))
    q, want = question_for(i)
    t0 = time.perf_counter()
    r = subprocess.run(_toolkit(store, embedder, "ask", q, "--json", "--quiet"), cwd=REPO, capture_output=True, text=True)
    out = {"indexed_docs": indexed, "wall_s": round(time.perf_counter() - t0, 2), "rc": r.returncode,
           "load": round(os.getloadavg()[0], 2)}
    try:
        a = json.loads(r.stdout)
    except ValueError:
        return out | {"error": (r.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    cited = {c["doc_id"] for c in a.get("citations", [])}
    return out | {"abstained": a["abstained"], "in_process_s": a.get("latency_s"), "figure_in_answer": want in a["answer"],
                  "cites_the_article": f"syn_{i:06d}" in cited, "answer": a["answer"][:100]}


def run_ingest(folder: Path, store: Path, embedder: str, log: Path, kill_at: int | None = None,
               ask_every: float | None = None) -> dict:
    """One `toolkit ingest FOLDER` child; killed with SIGKILL once kill_at documents are indexed; with
    ask_every, a question (`toolkit ask`, another process) every ask_every seconds once the index
    holds a document, while the ingest runs."""
    t0 = time.perf_counter()
    asks: list[dict] = []
    rng = random.Random(7)
    with open(log, "ab") as err:
        proc = subprocess.Popen(_toolkit(store, embedder, "ingest", str(folder)), cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=err)
        killed_at, next_ask = None, time.perf_counter()
        while kill_at is not None or ask_every is not None:
            time.sleep(0.5)
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                break  # the ingest ended
            n = _indexed_docs(store)
            if kill_at is not None and n >= kill_at:
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = n
                break
            if ask_every is not None and n and time.perf_counter() >= next_ask:
                asks.append(ask_now(store, embedder, n, rng) | {"at_s": round(time.perf_counter() - t0, 1)})
                next_ask = time.perf_counter() + ask_every
                print(f"  question during the ingest: {asks[-1]}", file=sys.stderr, flush=True)
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    out = {"rc": proc.returncode, "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(ru.ru_utime + ru.ru_stime, 1),
           "peak_rss_mb": round(ru.ru_maxrss / 1024, 1), "killed_at_indexed_docs": killed_at,
           "load": [round(x, 2) for x in os.getloadavg()]}
    if ask_every is not None:
        out["questions_during"] = asks
    return out


def counts(store: Path, embedder: str) -> dict:
    """Rows of every part of the store, each also counted by distinct id (a duplicate shows as a difference)."""
    from toolkit.index import Index
    from toolkit.settings import Settings
    from toolkit.store import Store

    s = Settings(store=store)
    s.embed = s.embed.model_copy(update={"name": embedder})
    st = sqlite3.connect(f"file:{store / 'store.sqlite'}?mode=ro", uri=True)
    ix = sqlite3.connect(f"file:{store / 'index.sqlite'}?mode=ro", uri=True)
    q = lambda c, sql: list(c.execute(sql).fetchone())  # noqa: E731
    out = {"store_documents": q(st, "SELECT count(*), count(DISTINCT doc_id) FROM documents"),
           "index_docs": q(ix, "SELECT count(*), count(DISTINCT doc_id), sum(n_chunks) FROM docs"),
           "chunk_rows": q(ix, "SELECT count(*), count(DISTINCT chunk_id), count(DISTINCT id) FROM chunks"),
           "fts_rows": q(ix, "SELECT count(*) FROM fts")[0]}
    index = Index.open(s, Store(store), read_only=True)
    dense = index.dense_counts() or {}
    out["dense_vectors"] = {"chunks_with_a_vector": sum(dense.values()), "file_rows": index.matrix.file_rows()}
    st.close()
    ix.close()
    return out


def check(store: Path, embedder: str) -> dict:
    r = subprocess.run(_toolkit(store, embedder, "check"), cwd=REPO, capture_output=True, text=True)
    return {"rc": r.returncode, "output": (r.stdout + r.stderr).strip().splitlines()[-3:]}


def ingest_files(store: Path, folder: Path, n: int, embedder: str, kill_at: int | None, ask_every: float | None = None) -> dict:
    out: dict = write_articles(folder, n)
    log = store.parent / f"{store.name}.ingest.log"
    if kill_at is not None:
        out["first_run"] = run_ingest(folder, store, embedder, log, kill_at)
        out["after_kill"] = counts(store, embedder)
        print(f"  killed: {out['first_run']}", file=sys.stderr, flush=True)
    out["run"] = run_ingest(folder, store, embedder, log, ask_every=ask_every)
    if out["run"]["rc"]:
        raise SystemExit(f"toolkit ingest failed (rc {out['run']['rc']}); see {log}")
    out["check"] = check(store, embedder)
    out["counts"] = counts(store, embedder)
    return out
