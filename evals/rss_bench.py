"""Memory of the app with 100 articles: resident set size of the `toolkit ui` process after it
loaded, and after a few questions (which load the model).

    python -m evals.rss_bench [--src /tmp/final-store] [--store /tmp/rss-store] [--n 100] [--questions 4]

The store is built once (kept for later runs): a copy of --src, then copies of the web dev set
(.cache/webcorpus/wNN.txt) under new ids (wNN_c1, wNN_c2, ...; their passages' embeddings are
already cached in the copied store) and invented reports (evals/synthetic.py) until it holds --n
articles. Nothing is written into --src, and no article text into the repository.

Then the app is started as its own process (`python -m toolkit ui --port P` on this store, with
answer phrasing on), its VmRSS is read from /proc after the page was served, and again after each
question asked through the app's `ask` API (gradio_client). Prints figures with the load average;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = ["Năm 2021 kết nạp bao nhiêu đảng viên mới?", "Who chaired the conference?",
             "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ là bao nhiêu?", "How many new party members were admitted in 2022?",
             "Ai chủ trì hội nghị?", "What share of the target was reached?"]


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            k, v = line.split(":", 1)
            vals[k] = int(v.split()[0]) / 1024
    return vals.get("VmRSS", 0.0), vals.get("VmHWM", 0.0)


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def build_store(src: Path, dest: Path, n: int) -> int:
    from evals.synthetic import synthetic_paragraphs
    from toolkit import library
    from toolkit.settings import Settings

    if not dest.exists():
        shutil.copytree(src, dest)
    settings = Settings(store=dest)
    store = library.open_store(settings)
    have = len(store.doc_ids())
    if have >= n:
        return have
    tmp = Path(tempfile.mkdtemp(prefix="rss-bench-"))
    try:
        web = sorted((REPO / ".cache" / "webcorpus").glob("w*.txt"))
        k, copy = have, 1
        while k < n and web and copy <= 3:
            for p in web:
                if k >= n:
                    break
                shutil.copyfile(p, tmp / f"{p.stem}_c{copy}.txt")
                k += 1
            copy += 1
        rng = random.Random(7)
        i = 0
        while k < n:
            title, paras = synthetic_paragraphs(rng, i)
            (tmp / f"syn{i:03d}.txt").write_text(title + "\n\n" + "\n\n".join(paras), encoding="utf-8")
            i += 1
            k += 1
        library.ingest(settings, sorted(tmp.glob("*.txt")), progress=sys.stderr.isatty())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return len(store.doc_ids())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="/tmp/final-store")
    ap.add_argument("--store", default="/tmp/rss-store")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--questions", type=int, default=4)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    n_docs = build_store(Path(args.src), Path(args.store), args.n)
    print(f"store {args.store}: {n_docs} articles ({time.perf_counter() - t:.0f} s to build/check)")

    port = free_port()
    env = dict(os.environ, TOOLKIT_STORE=str(args.store), TOOLKIT_ANSWER__PHRASE="true", GRADIO_ANALYTICS_ENABLED="False",
               TOOLKIT_UI__RECORDS_ON_INGEST="false")
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "ui", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/"
        t = time.perf_counter()
        while True:
            if proc.poll() is not None:
                print(f"the app exited ({proc.returncode}): {proc.stderr.read().decode()[-800:]}", file=sys.stderr)
                return 1
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                time.sleep(1)
        rss, hwm = rss_mb(proc.pid)
        print(f"after loading ({time.perf_counter() - t:.0f} s): RSS {rss:.0f} MB (peak {hwm:.0f} MB); load average {load_avg()}")
        from gradio_client import Client

        client = Client(url, verbose=False)
        for q in QUESTIONS[: args.questions]:
            t = time.perf_counter()
            out = client.predict(q, api_name="/ask")
            rss, hwm = rss_mb(proc.pid)
            ans = (out.get("answer") if isinstance(out, dict) else str(out)) or ""
            print(f"after {q!r} ({time.perf_counter() - t:.1f} s, {ans[:60]!r}): RSS {rss:.0f} MB (peak {hwm:.0f} MB); "
                  f"load average {load_avg()}")
        print(f"final: RSS {rss:.0f} MB, peak {hwm:.0f} MB (target 2,560 MB)")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
