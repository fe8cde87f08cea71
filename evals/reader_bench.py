"""Latency of the reader over the web dev questions with the configured (default) model.

    python -m evals.reader_bench --store /tmp/reader-store [--gold ../shared/gold/web/qa.jsonl] [--no-model]

Loads the store, index, embedder and model once (not timed), then asks every question once, in
order, and prints p50 / p95 / max seconds per question, the same per language, and how often the
model was called. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from evals.metrics import percentile

REPO = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").exists()), REPO.parent / "shared")


class CountingLLM:
    """Counts the calls and their seconds of a wrapped model."""

    def __init__(self, inner):
        self.inner = inner
        self.name = getattr(inner, "name", "model")
        self.calls = 0
        self.seconds = 0.0

    def complete(self, messages, schema=None, max_tokens=None):
        t = time.perf_counter()
        try:
            return self.inner.complete(messages, schema=schema, max_tokens=max_tokens)
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="/tmp/reader-store")
    ap.add_argument("--gold", default=str(SHARED / "gold" / "web" / "qa.jsonl"))
    ap.add_argument("--no-model", action="store_true")
    args = ap.parse_args(argv)

    from toolkit import library
    from toolkit.answer import ask
    from toolkit.llm import load_llm
    from toolkit.settings import Settings
    from toolkit.store import Store

    gold = Path(args.gold)
    if not gold.exists():
        print(f"gold not found at {gold}; nothing to do", file=sys.stderr)
        return 0
    items = [json.loads(l) for l in gold.read_text(encoding="utf-8").splitlines() if l.strip()]
    settings = Settings(store=Path(args.store))
    if args.no_model:
        settings.answer = settings.answer.model_copy(update={"use_model": False})
    store = Store(settings.store)
    index = library.open_index(settings, store, read_only=True)  # the store is indexed by toolkit ingest
    index.search("khởi động", k=1)  # load the embedder before timing
    llm = None
    if settings.answer.use_model:
        t = time.perf_counter()
        llm = CountingLLM(load_llm(settings))
        print(f"model {llm.name} loaded in {time.perf_counter() - t:.1f}s (not timed below)")
    lat: dict[str, list[float]] = {"all": [], "vi": [], "en": []}
    for it in items:
        t = time.perf_counter()
        ask(it["question"], settings=settings, store=store, index=index, llm=llm)
        dt = time.perf_counter() - t
        lat["all"].append(dt)
        lat[it.get("lang", "vi")].append(dt)
    for k, v in lat.items():
        if v:
            print(f"{k}: n={len(v)} p50={percentile(v, 50):.2f}s p95={percentile(v, 95):.2f}s max={max(v):.2f}s")
    if llm is not None:
        print(f"model calls: {llm.calls}, {llm.seconds:.1f}s in total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
