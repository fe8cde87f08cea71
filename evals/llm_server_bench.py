"""How much concurrent structured requests (`workers`) speed up a local model server.

    python -m evals.llm_server_bench                                        # llama-cpp-python's server
    python -m evals.llm_server_bench --llama-server BIN --parallel 2        # llama.cpp llama-server, 2 slots
    python -m evals.llm_server_bench --url http://127.0.0.1:8080/v1         # a server already running

Starts the server on 127.0.0.1 (unless --url), sends one warm-up request, then the same number of
structured requests (invented one-sentence reports, a three-field schema, --max-tokens each) with
1 worker and with --workers workers (--rounds pairs, ordered 1,N then N,1, ...), through `OpenAIServerLLM` and `map_concurrent` as
`toolkit extract --workers N` would. Each run gets its own sentences (same templates, other names
and numbers), so no run is served from the prompt cache of another. Prints the dialect the server
was asked in, the machine's load average, wall seconds, completion tokens/s, valid replies and the
speed-up (summed wall time of the 1-worker runs over that of the N-worker runs); --out writes JSON.

Measured on 2026-12-01 (2 cores shared with several other sessions; load averages printed; the
default model Qwen2.5-Coder-1.5B Q4_K_M; --threads 1 to spare the other sessions). llama-server
was built from llama-cpp-python 0.3.36's vendored llama.cpp (see tests/test_llm_llama_server.py):

    python -m evals.llm_server_bench --llama-server build/bin/llama-server --parallel 2 \
        --requests 2 --rounds 2 --workers 2 --max-tokens 48 --threads 1
      llama-server, 2 slots   runs 1,2,2,1 workers: 39.7, 22.9, 22.8, 33.7 s       1.61x
                              (load 14.3 -> 10.5; 1.9 gen tok/s with 1 worker, 3.2 with 2)
    python -m evals.llm_server_bench --requests 2 --rounds 2 --workers 2 --max-tokens 48 --threads 1
      llama-cpp-python server  runs 1,2,2,1 workers: 71.2, 57.8, 61.5, 53.1 s       1.04x
                              (load 6.6 -> 9.9)

Again on 2026-12-02 (session 6; same command, the binary of the same sources; load 9.6 -> 8.9 on the
2 shared cores; `make llama-server` builds it):
      llama-server, 2 slots   runs 1,2,2,1 workers: 126.4, 96.0, 76.0, 110.6 s     1.38x
                              (0.55-0.64 gen tok/s with 1 worker, 0.78-0.92 with 2; 8 of 8 replies valid)

With --threads 2 on the same busy machine (load 11-13) llama-server wrote 0.24-0.31 tokens/s per
request against about 1.9 with --threads 1 (its threads wait on each other when the machine is
oversubscribed), so that run was stopped; compare worker counts at the same --threads only.

llama-cpp-python 0.3.36's server has no parallel slots: it holds one lock around the model for the
whole of every request (llama_outer_lock/llama_inner_lock in llama_cpp/server/app.py), so two
workers only queue there. Two earlier runs on it in the order 1,N (before rounds ran N,1 as well)
gave "1.63x" and "1.22x" while the machine's load fell from 18 to 12: drift, not concurrency.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from pydantic import BaseModel, Field

from toolkit.llm.openai_server import OpenAIServerLLM
from toolkit.llm.parallel import map_concurrent, workers_for
from toolkit.settings import Settings


class Meeting(BaseModel):
    province: str = Field(description="province (tỉnh) where the meeting took place")
    year: int = Field(description="year of the meeting")
    delegates: int = Field(description="number of delegates attending")


TEMPLATES = [
    "Sáng {d}/{m}/{y}, Hội đồng nhân dân tỉnh {p} khai mạc kỳ họp thứ {k} với {n} đại biểu tham dự.",
    "Ngày {d}/{m}/{y}, Đảng bộ tỉnh {p} tổ chức hội nghị sơ kết, có {n} đại biểu dự.",
    "Trong hai ngày {d} và {d2}/{m}/{y}, {n} đại biểu dự Đại hội Đảng bộ tỉnh {p} lần thứ {k}.",
]
PROVINCES = ["Lạng Sơn", "Bình Định", "Sóc Trăng", "Yên Bái", "Kon Tum", "Hà Tĩnh", "Cà Mau", "Điện Biên"]


def sentences(n: int, offset: int) -> list[str]:
    """n invented report sentences; different offsets give different names and numbers."""
    out = []
    for i in range(offset, offset + n):
        t = TEMPLATES[i % len(TEMPLATES)]
        out.append(t.format(d=3 + i % 20, d2=4 + i % 20, m=1 + i % 12, y=2019 + i % 6, p=PROVINCES[i % len(PROVINCES)],
                            k=10 + i, n=60 + 17 * i))
    return out


def messages(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Extract facts from the Vietnamese news sentence. Reply with JSON only: "
                                          "province (keep Vietnamese diacritics), year, delegates."},
            {"role": "user", "content": text}]


def run(llm: OpenAIServerLLM, texts: list[str], workers: int, max_tokens: int) -> dict:
    tokens = valid = 0

    def one(text: str):
        try:
            llm.complete(messages(text), schema=Meeting, max_tokens=max_tokens)
            return True, (llm.last_usage or {}).get("completion_tokens", 0)
        except Exception as e:  # noqa: BLE001 - a failed reply is counted, not fatal
            last = (getattr(e, "last_completion", None) or "")[:120]
            print(f"  failed: {str(e)[:160]} | reply: {last!r}", file=sys.stderr)
            return False, (llm.last_usage or {}).get("completion_tokens", 0)

    t0 = time.perf_counter()
    for _, (ok, n) in map_concurrent(one, texts, workers_for(llm, workers)):
        valid += ok
        tokens += n
    wall = time.perf_counter() - t0
    return {"workers": workers, "requests": len(texts), "valid": valid, "wall_s": round(wall, 2),
            "completion_tokens": tokens, "tokens_per_s": round(tokens / wall, 2) if wall else 0.0}


def server(args, log: Path):
    if args.url:
        return nullcontext(args.url)
    from toolkit.llm.servers import running_llama_cpp_python, running_llama_server
    from toolkit.models import resolve_model_path

    settings = Settings()
    if args.model:
        settings.llm = settings.llm.model_copy(update={"model_path": Path(args.model)})
    model = resolve_model_path(settings)
    if args.llama_server:
        return running_llama_server(args.llama_server, model, log_path=log, parallel=args.parallel,
                                    n_ctx=args.n_ctx, n_threads=args.threads)
    return running_llama_cpp_python(model, log_path=log, n_ctx=args.n_ctx, n_threads=args.threads)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.llm_server_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="an OpenAI-compatible server already running (nothing is started)")
    ap.add_argument("--llama-server", help="path of llama.cpp's llama-server binary (default: llama-cpp-python's server)")
    ap.add_argument("--parallel", type=int, default=2, help="llama-server slots (--parallel)")
    ap.add_argument("--model", help="GGUF file (default: the configured preset)")
    ap.add_argument("--requests", type=int, default=4, help="structured requests per run")
    ap.add_argument("--workers", type=int, default=2, help="workers of the concurrent run (the other run has 1)")
    ap.add_argument("--rounds", type=int, default=1, help="pairs of runs in the order 1,N then N,1 (use an even number on a busy machine)")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--n-ctx", type=int, default=1024, help="context per slot")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dialect", choices=["auto", "json_schema", "llamacpp"], default="auto")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a killed bench still stops its server

    kind = (f"llama-server --parallel {args.parallel}" if args.llama_server
            else "server at " + args.url if args.url else "llama-cpp-python server")
    with tempfile.TemporaryDirectory() as tmp, server(args, Path(tmp) / "server.log") as url:
        settings = Settings()
        llm_settings = settings.llm.model_copy(update={"url": url, "timeout_s": 900, "max_retries": 0,
                                                       "dialect": args.dialect})
        llm = OpenAIServerLLM(llm_settings)
        run(llm, sentences(1, 1000), 1, args.max_tokens)  # warm-up: model pages, dialect, first prompt
        load_before = os.getloadavg()[0]
        runs = []
        for r in range(args.rounds):  # 1,N then N,1, ...: a steady change in machine load hits both alike
            for j, w in enumerate((1, args.workers) if r % 2 == 0 else (args.workers, 1)):
                runs.append(run(llm, sentences(args.requests, 100 * (2 * r + j)), w, args.max_tokens))
        load_after = os.getloadavg()[0]
    total = {w: sum(r["wall_s"] for r in runs if r["workers"] == w) for w in (1, args.workers)}
    speedup = total[1] / total[args.workers] if total[args.workers] else float("nan")
    print(f"{kind}; dialect {llm.dialect} ({llm.detection.reason if llm.detection else 'set'})")
    print(f"1-min load average {load_before:.1f} before, {load_after:.1f} after (2 cores)")
    print(f"{'workers':>7} {'requests':>8} {'valid':>5} {'wall s':>7} {'gen tok':>7} {'tok/s':>6}")
    for r in runs:
        print(f"{r['workers']:>7} {r['requests']:>8} {r['valid']:>5} {r['wall_s']:>7.2f} {r['completion_tokens']:>7} "
              f"{r['tokens_per_s']:>6.2f}")
    print(f"speed-up of {args.workers} workers over 1 (summed wall time): {speedup:.2f}x")
    if args.out:
        Path(args.out).write_text(json.dumps({"server": kind, "dialect": llm.dialect, "runs": runs,
                                              "load": [load_before, load_after], "speedup": round(speedup, 3)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
