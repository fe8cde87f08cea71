"""Run the toolkit's entry points on one or more gold sets and score the outputs.

    run(settings, gold_dirs, corpus_dirs, parts) -> EvalRun

gold_dirs / corpus_dirs: one folder or a list. Every corpus folder is ingested into the one store
(doc id = file stem, as toolkit.ingest stores it), then every gold set is scored on that store, its
results kept apart: with one gold set the parts are named qa, extract…; with several each part is
prefixed by the set's name (web.qa, dev.qa, web.extract…). A set whose documents are all missing
from the store (its corpus folder absent) is skipped with a note; questions whose documents are
missing are left out (counted in a note). Per-language and per-half figures go to
EvalRun.breakdown. Running (collect_*) is separate from scoring (evals.scoring, pure); report.py
renders an EvalRun.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from toolkit.errors import ToolkitError

from .gold import GoldError, GoldSet, corpus_paths, load_gold_sets, read_json, read_qa
from .results import EvalRun, ItemResult, RunMeta
from .scoring import (extraction_breakdown, key_figures, qa_breakdown, score_extraction, score_qa, score_retrieval, summary_breakdown,
                      score_summaries)

PARTS = ("qa", "extract", "summary")
RETRIEVAL_MODES = ("bm25", "dense", "hybrid")
REPO_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["EvalRun", "ItemResult", "RunMeta", "GoldError", "run", "score_qa", "score_retrieval", "score_summaries",
           "score_extraction", "key_figures", "load_qa_gold", "load_json_gold", "read_answers_jsonl"]


def load_qa_gold(gold_dir: Path) -> list[dict]:
    """The questions of a gold folder (qa.jsonl or qa.dev.jsonl)."""
    from .gold import QA_FILES

    for name in QA_FILES:
        if (Path(gold_dir) / name).is_file():
            return read_qa(Path(gold_dir) / name)
    raise GoldError(f"{gold_dir}: no {' or '.join(QA_FILES)}; pass --gold with a folder holding one (format: evals/README.md)")


def load_json_gold(gold_dir: Path, name: str) -> dict | None:
    path = Path(gold_dir) / name
    return read_json(path) if path.exists() else None


def read_answers_jsonl(path: Path) -> dict[str, dict]:
    """An answers file in the `toolkit ask --questions FILE --out OUT.jsonl` format, by id."""
    import json

    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out[str(d["id"])] = d
    return out


# --- collecting (runs the toolkit) ------------------------------------------------------------


def answer_dict(answer: Any, qid: str) -> dict:
    """An Answer as the gold README's answers-file line (plus route)."""
    return {
        "id": qid, "question": answer.question, "answer": answer.answer, "abstained": answer.abstained,
        "citations": [{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "text": c.text} for c in answer.citations],
        "latency_s": answer.latency_s, "route": answer.route,
    }


def collect_answers(settings, store, index, llm, gold: Sequence[dict], say=None) -> dict[str, dict]:
    """Ask every gold question; say(msg), when given, hears every tenth question (long runs)."""
    from toolkit.answer import ask

    out = {}
    for n, g in enumerate(gold, 1):
        if say and n % 10 == 0:
            say(f"question {n}/{len(gold)}")
        t0 = time.perf_counter()
        try:
            a = ask(g["question"], settings=settings, store=store, index=index, llm=llm)
            d = answer_dict(a, str(g["id"]))
            d["latency_s"] = d["latency_s"] or (time.perf_counter() - t0)
        except ToolkitError as e:
            d = {"id": str(g["id"]), "question": g["question"], "answer": "", "abstained": False, "citations": [],
                 "latency_s": time.perf_counter() - t0, "error": str(e)}
        out[str(g["id"])] = d
    return out


def collect_retrieval(index, gold: Sequence[dict], mode: str, k: int = 5) -> dict[str, dict]:
    out = {}
    for g in gold:
        if not g.get("answerable", True):
            continue
        t0 = time.perf_counter()
        hits = index.search(g["question"], k=k, mode=mode)
        dt = time.perf_counter() - t0
        seen, paras = set(), []
        for h in hits:
            key = (h.doc_id, h.paragraph_id)
            if key in seen:
                continue
            seen.add(key)
            paras.append({"doc_id": h.doc_id, "paragraph_id": h.paragraph_id, "text": h.paragraph_text})
        out[str(g["id"])] = {"paragraphs": paras[:k], "latency_s": dt}
    return out


def _with_answer(settings, use_model: bool):
    return settings.model_copy(update={"answer": settings.answer.model_copy(update={"use_model": use_model})})


def git_commit() -> tuple[str, bool | None]:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        return sha or "unknown", bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return "unknown", None


def prompt_file_versions(prompts_dir: Path) -> dict[str, str]:
    out = {}
    if Path(prompts_dir).is_dir():
        for p in sorted(Path(prompts_dir).glob("*")):
            if p.is_file():
                out[f"file:{p.name}"] = hashlib.sha256(p.read_bytes()).hexdigest()[:12]
    return out


def _ingest(settings, store, corpus_dirs: Sequence[Path], notes: list[str]) -> list[str]:
    from toolkit.ingest import ingest_paths

    paths = corpus_paths(corpus_dirs, settings.ingest.extensions, notes)
    report = ingest_paths(paths, store, settings)
    for f in report.failed:
        notes.append(f"ingest failed: {f.path}: {f.problem}")
    return [p.stem for p in paths]


def _as_list(x) -> list[Path]:
    return [Path(p) for p in (x if isinstance(x, (list, tuple)) else [x])]


def _present_questions(gs: GoldSet, stored: set[str], notes: list[str]) -> list[dict]:
    """The set's questions whose documents are all in the store (unanswerable ones always)."""
    keep = [q for q in gs.qa or [] if set(map(str, q.get("docs") or [])) <= stored]
    if len(keep) < len(gs.qa or []):
        notes.append(f"{gs.name}: {len(gs.qa) - len(keep)} of {len(gs.qa)} questions left out: their documents are not in the store")
    return keep


def run(settings, gold_dir, corpus_dir, parts: Iterable[str] | None = None, *, llm=None, embedder=None,
        baselines: bool = True, progress: bool = False) -> EvalRun:
    """Ingest the corpora if needed, run the selected parts on every gold set, score them."""
    from toolkit.store import Store

    parts = [p for p in (parts or PARTS)]
    gold_dirs, corpus_dirs = _as_list(gold_dir), _as_list(corpus_dir)
    sets = load_gold_sets(gold_dirs)
    sha, dirty = git_commit()
    ev = EvalRun(meta=RunMeta(
        embedder=settings.embed.name, git_commit=sha, git_dirty=dirty, settings=settings.model_dump(mode="json"),
        timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"), gold_dir=", ".join(map(str, gold_dirs)),
        corpus_dir=", ".join(map(str, corpus_dirs)), parts=list(parts), prompt_versions=prompt_file_versions(settings.prompts_dir)))

    def say(msg: str) -> None:
        if progress:
            print(f"[evals] {msg}", flush=True)

    store = Store(settings.store)
    store.ensure()
    t0 = time.perf_counter()
    doc_ids = _ingest(settings, store, corpus_dirs, ev.notes)
    from toolkit import library

    index = library.open_index(settings, store, embedder=embedder)
    library.sync(index)
    ev.meta.seconds["ingest_index"] = time.perf_counter() - t0
    doc_texts = {d.doc_id: d.text for d in store.documents() if d.doc_id in doc_ids}
    say(f"corpus: {len(doc_texts)} documents in {settings.store}")

    from toolkit.llm import LazyLLM

    lazy_llm = LazyLLM(settings, llm)  # questions load the model only when a route needs it

    def get_llm():
        model = lazy_llm.get()
        ev.meta.model = getattr(model, "name", "") or ev.meta.model
        return model

    stored = set(doc_texts)
    live = []
    for gs in sets:
        if gs.doc_ids() and not gs.doc_ids() & stored:
            ev.notes.append(f"gold set {gs.name} ({gs.dir}) skipped: none of its documents is in the corpus "
                            f"({', '.join(map(str, corpus_dirs))})")
        else:
            live.append(gs)
    prefix = (lambda gs: f"{gs.name}.") if len(sets) > 1 else (lambda gs: "")

    records_cache: dict[str, Any] = {}
    for gs in live:
        pre = prefix(gs)
        if "qa" in parts:
            if gs.qa is None:
                ev.notes.append(f"{gs.name}: qa skipped: no qa.jsonl / qa.dev.jsonl in {gs.dir}")
            else:
                _run_qa(ev, gs, pre, _present_questions(gs, stored, ev.notes), settings, store, index, lazy_llm, baselines, say)
        if "extract" in parts:
            if gs.extract is None:
                ev.notes.append(f"{gs.name}: extract skipped: no extract.json / extract.dev.json in {gs.dir}")
            else:
                _run_extract(ev, gs, pre, settings, doc_ids, doc_texts, get_llm, records_cache, progress, say)
        if "summary" in parts:
            _run_summary(ev, gs, pre, settings, doc_ids, doc_texts, get_llm, progress, say)

    if not ev.meta.model:
        ev.meta.model = str(settings.llm.url or settings.llm.model_path or settings.llm.preset)
    return ev


def _run_qa(ev: EvalRun, gs: GoldSet, pre: str, gold: list[dict], settings, store, index, lazy_llm, baselines, say) -> None:
    for mode in RETRIEVAL_MODES if baselines else ("hybrid",):
        t = time.perf_counter()
        try:
            ranked = collect_retrieval(index, gold, mode, k=settings.index.top_k)
        except ToolkitError as e:
            ev.notes.append(f"{pre}retrieval {mode} failed: {e}")
            continue
        items, totals = score_retrieval(gold, ranked, mode, gold_set=gs.name)
        ev.items += items
        ev.totals[f"{pre}retrieval_{mode}"] = totals
        ev.meta.seconds[f"{pre}retrieval_{mode}"] = time.perf_counter() - t
        say(f"{pre}retrieval {mode}: R@5 {totals['recall@5']}")
    variants = [("qa", settings.answer.use_model)]
    if baselines:
        variants.append(("qa_extractive" if settings.answer.use_model else "qa_model", not settings.answer.use_model))
    for part, use_model in variants:
        t = time.perf_counter()
        s = _with_answer(settings, use_model)
        answers = collect_answers(s, store, index, (lazy_llm if use_model else None), gold,
                                  say=lambda m, p=f"{pre}{part}": say(f"{p}: {m}"))
        items, totals = score_qa(gold, answers, part=part, gold_set=gs.name)
        ev.items += items
        ev.totals[f"{pre}{part}"] = totals
        ev.breakdown[f"{pre}{part}"] = qa_breakdown(items)
        ev.meta.seconds[f"{pre}{part}"] = time.perf_counter() - t
        say(f"{pre}{part}: accuracy {totals['answer_accuracy']}")


def _records(settings, doc_ids, get_llm, cache: dict, progress: bool, ev: EvalRun) -> list[dict]:
    """Extract (or read back) the records of every stored document once per run."""
    if "records" not in cache:
        from toolkit import library

        t = time.perf_counter()
        records = library.extract(settings, doc_ids, force=False, progress=progress, llm=get_llm())
        for r in records:
            if r.prompt_version:
                ev.meta.prompt_versions["extract"] = r.prompt_version
            if r.model and not ev.meta.model:
                ev.meta.model = r.model
        cache["records"] = [r.model_dump(mode="json") for r in records]
        cache["seconds"] = [r.seconds for r in records]
        ev.meta.seconds["extract"] = time.perf_counter() - t
    return cache["records"]


def _run_extract(ev, gs: GoldSet, pre: str, settings, doc_ids, doc_texts, get_llm, cache, progress, say) -> None:
    records = _records(settings, doc_ids, get_llm, cache, progress, ev)
    mine = [r for r in records if r["doc_id"] in gs.extract]
    items, totals = score_extraction(mine, gs.extract, doc_texts, gold_set=gs.name)
    secs = [r.get("seconds") or 0.0 for r in mine]
    totals["seconds_per_article"] = (sum(secs) / len(secs)) if secs else None
    ev.items += items
    ev.totals[f"{pre}extract"] = totals
    if br := extraction_breakdown(mine, gs.extract, doc_texts):
        ev.breakdown[f"{pre}extract"] = br
    say(f"{pre}extract: {len(mine)} records")


def _run_summary(ev, gs: GoldSet, pre: str, settings, doc_ids, doc_texts, get_llm, progress, say) -> None:
    from toolkit import library

    t = time.perf_counter()
    wanted = [d for d in doc_ids if d in gs.doc_ids()] or doc_ids
    sums = library.summarise(settings, wanted, force=False, progress=progress, llm=get_llm())
    for s in sums:
        if s.prompt_version:
            ev.meta.prompt_versions["summary"] = s.prompt_version
    rows = [{"doc_id": s.doc_id, "summary_vi": " ".join(x.text for x in s.summary_vi),
             "summary_en": " ".join(x.text for x in s.summary_en)} for s in sums]
    items, totals = score_summaries(rows, doc_texts, gs.summary, gs.extract)
    for i in items:
        i.gold_set = gs.name
    ev.items += items
    ev.totals[f"{pre}summary"] = totals
    if br := summary_breakdown(items):
        ev.breakdown[f"{pre}summary"] = br
    ev.meta.seconds[f"{pre}summary"] = time.perf_counter() - t
    say(f"{pre}summary: {len(sums)} documents")
