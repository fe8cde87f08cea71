"""Run the toolkit's entry points on the gold set and score the outputs.

    run(settings, gold_dir, corpus_dir, parts) -> EvalRun

Running (collect_*: ingest, ask, search, extract, summarise) is separate from scoring (score_*:
pure, built on evals.metrics); report.py renders an EvalRun. A part whose module is not importable
is skipped with a note instead of failing the run.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from pydantic import BaseModel, Field

from toolkit.errors import ToolkitError

from . import metrics as M

PARTS = ("qa", "extract", "summary")
RETRIEVAL_MODES = ("bm25", "dense", "hybrid")
REPO_ROOT = Path(__file__).resolve().parent.parent


class GoldError(ToolkitError):
    """The gold folder is missing or malformed."""


# --- the run's data ---------------------------------------------------------------------------


class ItemResult(BaseModel):
    """One scored item: a question (qa*, retrieval_*), a document (extract, summary)."""

    part: str = Field(description="qa, qa_extractive | qa_model, retrieval_bm25/dense/hybrid, extract, summary")
    id: str
    question: str = ""
    lang: str = ""
    kind: str = ""
    answer: str = ""
    reference: str = ""
    abstained: bool = False
    route: str = ""
    citations: list[dict] = Field(default_factory=list, description="{doc_id, paragraph_id, text, correct}")
    latency_s: float | None = None
    scores: dict[str, Any] = Field(default_factory=dict)
    passed: bool | None = None
    note: str = ""


class RunMeta(BaseModel):
    model: str = ""
    embedder: str = ""
    prompt_versions: dict[str, str] = Field(default_factory=dict)
    git_commit: str = ""
    git_dirty: bool | None = None
    settings: dict = Field(default_factory=dict)
    timestamp: str = ""
    gold_dir: str = ""
    corpus_dir: str = ""
    parts: list[str] = Field(default_factory=list)
    seconds: dict[str, float] = Field(default_factory=dict)


class EvalRun(BaseModel):
    meta: RunMeta = Field(default_factory=RunMeta)
    items: list[ItemResult] = Field(default_factory=list)
    totals: dict[str, dict[str, float | None]] = Field(default_factory=dict, description="part -> metric -> value")
    notes: list[str] = Field(default_factory=list)

    def flat_metrics(self) -> dict[str, float]:
        """'part.metric' -> value, numbers only (the names --fail-under and --compare use)."""
        out: dict[str, float] = {}
        for part, ms in self.totals.items():
            for k, v in ms.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[f"{part}.{k}"] = float(v)
        return out


# --- gold ------------------------------------------------------------------------------------


def load_qa_gold(gold_dir: Path) -> list[dict]:
    path = Path(gold_dir) / "qa.dev.jsonl"
    if not path.exists():
        raise GoldError(f"{path}: missing; pass --gold with a folder holding qa.dev.jsonl (format: evals/README.md)")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            it = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldError(f"{path}:{n}: not JSON ({e.msg}); fix the line") from e
        if "id" not in it or "question" not in it:
            raise GoldError(f"{path}:{n}: needs 'id' and 'question'; see evals/README.md")
        items.append(it)
    return items


def load_json_gold(gold_dir: Path, name: str) -> dict | None:
    path = Path(gold_dir) / name
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise GoldError(f"{path}: not JSON ({e.msg}); fix the file") from e


def read_answers_jsonl(path: Path) -> dict[str, dict]:
    """An answers file in the `toolkit ask --questions FILE --out OUT.jsonl` format, by id."""
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out[str(d["id"])] = d
    return out


# --- scoring (pure: gold + outputs -> items and totals) ---------------------------------------


def score_qa(gold: Sequence[dict], answers: dict[str, dict], part: str = "qa") -> tuple[list[ItemResult], dict[str, float | None]]:
    """Score answers (answer_json dicts by id) against the gold questions."""
    items: list[ItemResult] = []
    pairs = []
    for g in gold:
        a = answers.get(str(g["id"])) or {"answer": "", "abstained": False, "citations": [], "error": "no answer"}
        cits = list(a.get("citations") or [])
        flags = M.citation_flags(cits, g.get("evidence") or []) if g.get("answerable", True) else [False] * len(cits)
        correct = M.item_answer_correct(g, a.get("answer", ""), bool(a.get("abstained")), cits)
        abst = M.abstention_correct(g.get("answerable", True), bool(a.get("abstained")), len(cits))
        f1 = M.token_f1(a.get("answer", ""), g.get("reference", "")) if g.get("reference") else None
        pairs.append((g, cits))
        items.append(
            ItemResult(
                part=part, id=str(g["id"]), question=g["question"], lang=g.get("lang", ""), kind=g.get("kind", ""),
                answer=a.get("answer", ""), reference=g.get("reference", ""), abstained=bool(a.get("abstained")),
                route=a.get("route", ""), latency_s=a.get("latency_s"),
                citations=[{"doc_id": c.get("doc_id"), "paragraph_id": c.get("paragraph_id"), "text": c.get("text", ""), "correct": f}
                           for c, f in zip(cits, flags)],
                scores={"answer_correct": correct, "abstention_correct": abst, "token_f1": f1,
                        "citations_correct": sum(flags), "citations": len(cits)},
                passed=correct, note=a.get("error", ""),
            )
        )
    totals: dict[str, float | None] = {"n": float(len(items))}
    totals["answer_accuracy"] = M.mean(i.scores["answer_correct"] for i in items)
    for lang in ("vi", "en"):
        totals[f"answer_accuracy_{lang}"] = M.mean(i.scores["answer_correct"] for i in items if i.lang == lang)
    answerable = {str(g["id"]) for g in gold if g.get("answerable", True)}
    totals["token_f1"] = M.mean(i.scores["token_f1"] for i in items if i.id in answerable)
    totals.update(M.citation_scores(pairs))
    totals["abstention_accuracy"] = M.mean(i.scores["abstention_correct"] for i in items)
    lat = [i.latency_s for i in items if i.latency_s is not None]
    totals["latency_p50_s"] = M.percentile(lat, 50)
    totals["latency_p95_s"] = M.percentile(lat, 95)
    return items, totals


def score_retrieval(gold: Sequence[dict], ranked: dict[str, dict], mode: str) -> tuple[list[ItemResult], dict[str, float | None]]:
    """ranked: id -> {"paragraphs": [{doc_id, paragraph_id, text}], "latency_s"} (best first, deduplicated)."""
    items, ranks = [], []
    for g in gold:
        if not g.get("answerable", True) or not g.get("evidence"):
            continue
        r = ranked.get(str(g["id"])) or {"paragraphs": []}
        paras = r["paragraphs"]
        rank = M.first_relevant_rank([p.get("text", "") for p in paras], g["evidence"])
        ranks.append(rank)
        items.append(ItemResult(
            part=f"retrieval_{mode}", id=str(g["id"]), question=g["question"], lang=g.get("lang", ""), kind=g.get("kind", ""),
            citations=[{"doc_id": p.get("doc_id"), "paragraph_id": p.get("paragraph_id"), "text": p.get("text", ""),
                        "correct": M.citation_correct(p.get("text", ""), g["evidence"])} for p in paras],
            latency_s=r.get("latency_s"), scores={"rank": rank}, passed=rank is not None and rank <= 5,
        ))
    totals: dict[str, float | None] = {"n": float(len(items)), **M.retrieval_scores(ranks)}
    lat = [i.latency_s for i in items if i.latency_s is not None]
    totals["latency_p50_ms"] = (M.percentile(lat, 50) or 0.0) * 1000 if lat else None
    return items, totals


def key_figures(doc_id: str, summary_gold: dict | None, extract_gold: dict | None) -> list[float]:
    if summary_gold and doc_id in summary_gold and summary_gold[doc_id].get("key_figures") is not None:
        return [float(x) for x in summary_gold[doc_id]["key_figures"]]
    if extract_gold and doc_id in extract_gold:
        return [float(x) for x in extract_gold[doc_id].get("figures") or []]
    return []


def score_summaries(summaries: Sequence[dict], doc_texts: dict[str, str], summary_gold: dict | None,
                    extract_gold: dict | None) -> tuple[list[ItemResult], dict[str, float | None]]:
    """summaries: [{doc_id, summary_vi: str, summary_en: str}] (sentences joined)."""
    items = []
    for s in summaries:
        doc_id = s["doc_id"]
        figs = key_figures(doc_id, summary_gold, extract_gold)
        source = doc_texts.get(doc_id, "")
        for lang in ("vi", "en"):
            text = s.get(f"summary_{lang}", "")
            unsup = M.unsupported_numbers(text, [source]) if source else []
            scores: dict[str, Any] = {"key_figure_coverage": M.figure_coverage(text, figs), "unsupported_numbers": len(unsup),
                                      "unsupported": unsup, "key_figures": len(figs)}
            ref = ((summary_gold or {}).get(doc_id) or {}).get(f"reference_{lang}")
            if ref:
                scores.update(M.rouge(text, ref))
            items.append(ItemResult(part="summary", id=f"{doc_id}:{lang}", lang=lang, answer=text, reference=ref or "",
                                    scores=scores, passed=not unsup and bool(text.strip())))
    totals: dict[str, float | None] = {"n_docs": float(len(summaries))}
    for lang in ("vi", "en"):
        mine = [i for i in items if i.lang == lang]
        totals[f"key_figure_coverage_{lang}"] = M.mean(i.scores["key_figure_coverage"] for i in mine)
        totals[f"unsupported_numbers_{lang}"] = float(sum(i.scores["unsupported_numbers"] for i in mine))
        totals[f"empty_{lang}"] = float(sum(1 for i in mine if not i.answer.strip()))
        for r in ("rouge1", "rouge2", "rougeL"):
            v = M.mean(i.scores.get(r) for i in mine)
            if v is not None:
                totals[f"{r}_{lang}"] = v
    return items, totals


def score_extraction(records: list[dict], extract_gold: dict, doc_texts: dict[str, str]) -> tuple[list[ItemResult], dict[str, float | None]]:
    """Delegates to evals.extract_metrics.score_records; numeric top-level values become totals."""
    from .extract_metrics import score_records

    result = score_records(records, extract_gold, doc_texts)
    totals = {k: float(v) for k, v in result.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    items = []
    per_doc = result.get("per_doc") or result.get("docs") or {}
    if isinstance(per_doc, dict):
        for doc_id, sc in per_doc.items():
            sc = sc if isinstance(sc, dict) else {"value": sc}
            items.append(ItemResult(part="extract", id=str(doc_id), scores=sc))
    return items, totals


# --- collecting (runs the toolkit) ------------------------------------------------------------


def answer_dict(answer: Any, qid: str) -> dict:
    """An Answer as the gold README's answers-file line (plus route)."""
    return {
        "id": qid, "question": answer.question, "answer": answer.answer, "abstained": answer.abstained,
        "citations": [{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "text": c.text} for c in answer.citations],
        "latency_s": answer.latency_s, "route": answer.route,
    }


def collect_answers(settings, store, index, llm, gold: Sequence[dict]) -> dict[str, dict]:
    from toolkit.answer import ask

    out = {}
    for g in gold:
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


def _ingest_corpus(settings, store, corpus_dir: Path, notes: list[str]) -> list[str]:
    from toolkit.ingest import ingest_paths

    exts = {e.lower() for e in settings.ingest.extensions}
    paths = sorted(p for p in Path(corpus_dir).iterdir() if p.is_file() and p.suffix.lower() in exts)
    if not paths:
        raise GoldError(f"{corpus_dir}: no article files ({', '.join(sorted(exts))}); pass --corpus with the articles")
    report = ingest_paths(paths, store, settings)
    for f in report.failed:
        notes.append(f"ingest failed: {f.path}: {f.problem}")
    return [p.stem for p in paths]


def run(settings, gold_dir: Path, corpus_dir: Path, parts: Iterable[str] | None = None, *, llm=None, embedder=None,
        baselines: bool = True, progress: bool = False) -> EvalRun:
    """Ingest the corpus if needed, run the selected parts on gold, score them."""
    from toolkit.store import Store

    parts = [p for p in (parts or PARTS)]
    gold_dir, corpus_dir = Path(gold_dir), Path(corpus_dir)
    if not gold_dir.is_dir():
        raise GoldError(f"{gold_dir}: gold folder not found; pass --gold DIR (format: evals/README.md)")
    if not corpus_dir.is_dir():
        raise GoldError(f"{corpus_dir}: corpus folder not found; pass --corpus DIR with the articles")
    sha, dirty = git_commit()
    ev = EvalRun(meta=RunMeta(
        embedder=settings.embed.name, git_commit=sha, git_dirty=dirty, settings=settings.model_dump(mode="json"),
        timestamp=datetime.now(timezone.utc).isoformat(timespec="seconds"), gold_dir=str(gold_dir),
        corpus_dir=str(corpus_dir), parts=list(parts), prompt_versions=prompt_file_versions(settings.prompts_dir)))

    def say(msg: str) -> None:
        if progress:
            print(f"[evals] {msg}", flush=True)

    store = Store(settings.store)
    store.ensure()
    t0 = time.perf_counter()
    doc_ids = _ingest_corpus(settings, store, corpus_dir, ev.notes)
    from toolkit.index import Index

    index = Index(settings, store, embedder=embedder)
    index.sync()
    ev.meta.seconds["ingest_index"] = time.perf_counter() - t0
    doc_texts = {d.doc_id: d.text for d in store.documents() if d.doc_id in doc_ids}
    say(f"corpus: {len(doc_texts)} documents in {settings.store}")

    from toolkit.llm import LazyLLM

    lazy_llm = LazyLLM(settings, llm)  # questions load the model only when a route needs it

    def get_llm():
        model = lazy_llm.get()
        ev.meta.model = getattr(model, "name", "") or ev.meta.model
        return model

    if "qa" in parts:
        gold = load_qa_gold(gold_dir)
        for mode in RETRIEVAL_MODES if baselines else ("hybrid",):
            t = time.perf_counter()
            try:
                ranked = collect_retrieval(index, gold, mode, k=settings.index.top_k)
            except ToolkitError as e:
                ev.notes.append(f"retrieval {mode} failed: {e}")
                continue
            items, totals = score_retrieval(gold, ranked, mode)
            ev.items += items
            ev.totals[f"retrieval_{mode}"] = totals
            ev.meta.seconds[f"retrieval_{mode}"] = time.perf_counter() - t
            say(f"retrieval {mode}: R@5 {totals['recall@5']}")
        variants = [("qa", settings.answer.use_model)]
        if baselines:
            variants.append(("qa_extractive" if settings.answer.use_model else "qa_model", not settings.answer.use_model))
        for part, use_model in variants:
            t = time.perf_counter()
            s = _with_answer(settings, use_model)
            answers = collect_answers(s, store, index, (lazy_llm if use_model else None), gold)
            items, totals = score_qa(gold, answers, part=part)
            ev.items += items
            ev.totals[part] = totals
            ev.meta.seconds[part] = time.perf_counter() - t
            say(f"{part}: accuracy {totals['answer_accuracy']}")

    if "extract" in parts:
        extract_gold = load_json_gold(gold_dir, "extract.dev.json")
        from toolkit.extract import extract_store

        if extract_gold is None:
            ev.notes.append(f"extract skipped: {gold_dir}/extract.dev.json missing")
        else:
            t = time.perf_counter()
            records = extract_store(settings, doc_ids=doc_ids, force=False, progress=progress, llm=get_llm())
            for r in records:
                if r.prompt_version:
                    ev.meta.prompt_versions["extract"] = r.prompt_version
                if r.model and not ev.meta.model:
                    ev.meta.model = r.model
            rec_dicts = [r.model_dump(mode="json") for r in records]
            items, totals = score_extraction(rec_dicts, extract_gold, doc_texts)
            totals["seconds_per_article"] = (sum(r.seconds for r in records) / len(records)) if records else None
            ev.items += items
            ev.totals["extract"] = totals
            ev.meta.seconds["extract"] = time.perf_counter() - t
            say(f"extract: {len(records)} records")

    if "summary" in parts:
        from toolkit.summarise import summarise_store

        t = time.perf_counter()
        sums = summarise_store(settings, doc_ids=doc_ids, force=False, progress=progress, llm=get_llm())
        for s in sums:
            if s.prompt_version:
                ev.meta.prompt_versions["summary"] = s.prompt_version
        rows = [{"doc_id": s.doc_id, "summary_vi": " ".join(x.text for x in s.summary_vi),
                 "summary_en": " ".join(x.text for x in s.summary_en)} for s in sums]
        items, totals = score_summaries(rows, doc_texts, load_json_gold(gold_dir, "summary.dev.json"),
                                        load_json_gold(gold_dir, "extract.dev.json"))
        ev.items += items
        ev.totals["summary"] = totals
        ev.meta.seconds["summary"] = time.perf_counter() - t
        say(f"summary: {len(sums)} documents")

    if not ev.meta.model:
        ev.meta.model = str(settings.llm.url or settings.llm.model_path or settings.llm.preset)
    return ev
