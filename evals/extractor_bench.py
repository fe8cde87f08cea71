"""Both record extractors side by side on the web dev set: seconds per article and the extraction scores per half.

    python -m evals.extractor_bench --store DIR [--docs w01 w02 ...] [--extractor candidates model] [--out FILE]
    python -m evals.extractor_bench --score FILE.jsonl     # the table again, from the records a run wrote so far

Article by article, each extractor (settings.extract.extractor) in turn re-extracts the document (forced, the
default model unless --model / --preset) and is timed; the records are scored against
../shared/gold/web/extract.json with evals.extract_metrics, per half (odd = tuning, even = check). The store
is written to (records are replaced): give it a copy, never a store you keep. Prints one line per article
and a table; the load average is printed with the timings (the machine is shared). Each record is appended to
FILE.jsonl (the --out path with .jsonl) as soon as it is made, so a run cut short can still be scored (--score).

No reply comes from a cache: records are re-extracted (force), the toolkit keeps no cache of model replies, and
every article's line prints the model calls it made with their prompt and generated tokens (a cached reply
would show none). llama.cpp reuses the KV cache of the prompt prefix an article's calls share (that is the
default behaviour being measured); --no-prefix-reuse clears it before every call. Run it under `nice -n 19`
on a shared machine; the niceness and the load average are printed with the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WEB_GOLD = REPO_ROOT.parent / "shared" / "gold" / "web"
_SHOWN = ("date_accuracy", "province_accuracy", "people_recall", "title_accuracy", "figure_recall", "document_recall",
          "figure_label_accuracy", "invented_people", "figures_from_chrome", "evidence_verbatim")


class CountedLLM:
    """An LLM that counts its calls and the tokens the model reported (last_usage) for each of them."""

    concurrent = False

    def __init__(self, inner):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        self.model_seconds = 0.0

    def take(self) -> dict:
        """The counts since the last take(), then zeroed."""
        out = {"calls": self.calls, "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
               "model_seconds": round(self.model_seconds, 2)}
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        self.model_seconds = 0.0
        return out

    def _count(self) -> None:
        u = getattr(self.inner, "last_usage", None) or {}
        self.calls += 1
        self.prompt_tokens += int(u.get("prompt_tokens", 0))
        self.completion_tokens += int(u.get("completion_tokens", 0))
        self.model_seconds += float(u.get("seconds", 0.0))

    def complete(self, messages, schema=None, max_tokens=None, max_seconds=None):
        try:
            return self.inner.complete(messages, schema=schema, max_tokens=max_tokens, max_seconds=max_seconds)
        finally:
            self._count()

    def stream(self, messages, max_tokens=None):
        return self.inner.stream(messages, max_tokens=max_tokens)


def halves(doc_ids: list[str]) -> dict[str, list[str]]:
    from .gold import half_of_doc

    out: dict[str, list[str]] = {}
    for d in doc_ids:
        out.setdefault(half_of_doc(d), []).append(d)
    return out


def score_halves(records: list[dict], gold: dict, texts: dict[str, str]) -> dict[str, dict]:
    """Extraction scores per half of the documents that have gold (pure)."""
    from .extract_metrics import score_records

    out = {}
    for half, ids in halves([r["doc_id"] for r in records if r["doc_id"] in gold]).items():
        recs = [r for r in records if r["doc_id"] in ids]
        res = score_records(recs, {d: gold[d] for d in ids}, texts)
        out[half] = {k: v for k, v in res.items() if k != "per_doc"}
    return out


def table_from_jsonl(path: Path) -> dict[str, dict]:
    """The report of a run from the records it appended to `path` (one JSON object a line)."""
    from .gold import load_gold_set

    gold = load_gold_set(WEB_GOLD).extract or {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    report: dict[str, dict] = {}
    for name in dict.fromkeys(r["extractor"] for r in rows):
        mine = [r for r in rows if r["extractor"] == name]
        texts = {r["record"]["doc_id"]: r["text"] for r in mine}
        report[name] = {"docs": [r["record"]["doc_id"] for r in mine], "seconds": [r["seconds"] for r in mine],
                        "seconds_per_article": sum(r["seconds"] for r in mine) / len(mine),
                        "halves": score_halves([r["record"] for r in mine], gold, texts),
                        "load_avg": [r["load"] for r in mine], "fell_back": [r["record"]["doc_id"] for r in mine if r.get("fell_back")],
                        "generated_tokens": sum((r.get("llm") or {}).get("completion_tokens", 0) for r in mine)}
    return report


def done_pairs(path: Path) -> set[tuple[str, str]]:
    """(extractor, document) pairs a run already appended to `path` (none when it does not exist)."""
    if not path.exists():
        return set()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["extractor"], r["record"]["doc_id"]) for r in rows}


def print_table(report: dict[str, dict]) -> int:
    print(f"{'extractor':10} {'half':5} {'docs':>4} {'s/article':>9}  " + "  ".join(f"{k[:14]:>14}" for k in _SHOWN))
    for name, r in report.items():
        for half, sc in sorted(r["halves"].items(), reverse=True):
            vals = "  ".join(f"{'-' if sc.get(k) is None else round(float(sc[k]), 3):>14}" for k in _SHOWN)
            n = int(sc.get("n_docs") or 0)
            print(f"{name:10} {half:5} {n:>4} {r['seconds_per_article']:9.1f}  {vals}")
        print(f"{name:10} documents: {' '.join(r['docs'])}   seconds: {' '.join(f'{x:.0f}' for x in r['seconds'])}")
        if "cpu_seconds_per_article" in r:
            print(f"{name:10} process CPU seconds per article: {r['cpu_seconds_per_article']:.1f}")
        print(f"{name:10} generated tokens: {r.get('generated_tokens', '?')}   fell back to the candidates record: "
              f"{len(r.get('fell_back', []))} {' '.join(r.get('fell_back', []))}   load average: "
              f"{' '.join(f'{x:.1f}' for x in r.get('load_avg', []))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="extractor_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="a scratch store holding the web articles (written to)")
    ap.add_argument("--docs", nargs="*", default=None, help="documents (default: every document the web gold names)")
    ap.add_argument("--extractor", nargs="*", default=["candidates", "model"], choices=["candidates", "model"])
    ap.add_argument("--model", help="path to a GGUF model (default: the preset)")
    ap.add_argument("--preset", help="bundled model preset")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here too")
    ap.add_argument("--score", type=Path, help="print the table from a .jsonl a run wrote (no extraction)")
    ap.add_argument("--no-prefix-reuse", action="store_true", help="clear llama.cpp's KV cache before every model call")
    ap.add_argument("--model-seconds", type=float, help="settings.extract.model_seconds (the model extractor's budget)")
    ap.add_argument("--resume", action="store_true", help="skip the (extractor, document) pairs FILE.jsonl already holds; "
                    "the table at the end is then read from FILE.jsonl (every run's records)")
    args = ap.parse_args(argv)
    if args.score:
        return print_table(table_from_jsonl(args.score))
    if args.store is None:
        ap.error("--store is required")

    from toolkit.extract import extract_store
    from toolkit.llm import load_llm
    from toolkit.settings import Settings
    from toolkit.store import Store

    from .gold import load_gold_set

    gold = load_gold_set(WEB_GOLD).extract or {}
    store = Store(args.store)
    ids = args.docs or sorted(d for d in gold if store.get_document(d) is not None)
    docs = store.require_documents(ids)
    texts = {d.doc_id: d.text for d in docs}
    llm_over = {k: v for k, v in (("model_path", args.model and Path(args.model)), ("preset", args.preset)) if v}
    base = Settings(store=args.store)
    if llm_over:
        base.llm = base.llm.model_copy(update=llm_over)
    if args.model_seconds:
        base.extract = base.extract.model_copy(update={"model_seconds": args.model_seconds})
    inner = load_llm(base)
    if args.no_prefix_reuse and hasattr(inner, "reuse_prefix"):
        inner.reuse_prefix = False
    llm = CountedLLM(inner)
    print(f"model {llm.name}  niceness {os.nice(0)}  prefix reuse {getattr(inner, 'reuse_prefix', '-')}  "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    report: dict[str, dict] = {}
    records: dict[str, list[dict]] = {name: [] for name in args.extractor}
    secs: dict[str, list[float]] = {name: [] for name in args.extractor}
    loads: dict[str, list[float]] = {name: [] for name in args.extractor}
    fell: dict[str, list[str]] = {name: [] for name in args.extractor}
    tokens: dict[str, int] = {name: 0 for name in args.extractor}
    cpu: dict[str, list[float]] = {name: [] for name in args.extractor}
    done = done_pairs(args.out.with_suffix(".jsonl")) if args.out and args.resume else set()
    log = open(args.out.with_suffix(".jsonl"), "a", encoding="utf-8") if args.out else None
    for d in docs:  # article by article, every extractor in turn: a run cut short still compares like with like
        for name in args.extractor:
            if (name, d.doc_id) in done:
                continue
            settings = base.model_copy(update={"extract": base.extract.model_copy(update={"extractor": name})})
            t, c = time.perf_counter(), time.process_time()
            rec = extract_store(settings, doc_ids=[d.doc_id], force=True, progress=False, llm=llm, store=store)[0]
            secs[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)  # less sensitive than wall time to other processes on the cores
            used = llm.take()
            records[name].append(rec.model_dump(mode="json"))
            fell_back = bool(rec.rejected_reasons) and rec.rejected_reasons[0].startswith("model record dropped")
            loads[name].append(os.getloadavg()[0])
            tokens[name] += used["completion_tokens"]
            if fell_back:
                fell[name].append(d.doc_id)
            if log is not None:
                log.write(json.dumps({"extractor": name, "seconds": secs[name][-1], "load": os.getloadavg()[0], "llm": used,
                                      "fell_back": fell_back, "text": d.text, "record": records[name][-1]}, ensure_ascii=False) + "\n")
                log.flush()
            print(f"{name:10} {d.doc_id:8} {secs[name][-1]:7.1f}s (cpu {cpu[name][-1]:.1f}s)  calls={used['calls']} tokens={used['prompt_tokens']}+"
                  f"{used['completion_tokens']} people={len(rec.people)} figures={len(rec.figures)} documents={len(rec.documents)} "
                  f"rejected={rec.rejected}{' FELL BACK' if fell_back else ''}  load={os.getloadavg()[0]:.2f}", flush=True)
    for name in args.extractor:
        report[name] = {"docs": [d.doc_id for d in docs], "seconds": secs[name],
                        "seconds_per_article": sum(secs[name]) / max(1, len(secs[name])),
                        "halves": score_halves(records[name], gold, texts), "load_avg": loads[name],
                        "fell_back": fell[name], "generated_tokens": tokens[name],
                        "cpu_seconds_per_article": sum(cpu[name]) / max(1, len(cpu[name]))}
    print(f"\nmodel: {getattr(llm, 'name', '?')}   documents: {' '.join(ids)}")
    if done:
        report = table_from_jsonl(args.out.with_suffix(".jsonl"))
    print_table(report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
