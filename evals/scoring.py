"""Scoring: gold + collected outputs -> scored items, totals and per-group breakdowns (pure).

Nothing here runs the toolkit; evals.runner collects the outputs and calls these functions.
"""

from __future__ import annotations

from typing import Any, Sequence

from . import metrics as M
from .gold import HALVES, half_of_doc, half_of_question, has_halves
from .results import ItemResult


def score_qa(gold: Sequence[dict], answers: dict[str, dict], part: str = "qa",
             gold_set: str = "") -> tuple[list[ItemResult], dict[str, float | None]]:
    """Score answers (answer_json dicts by id) against the gold questions; totals over all of them."""
    items: list[ItemResult] = []
    halved = has_halves(gold)
    for g in gold:
        a = answers.get(str(g["id"])) or {"answer": "", "abstained": False, "citations": [], "error": "no answer"}
        cits = list(a.get("citations") or [])
        answerable = bool(g.get("answerable", True))
        flags = M.citation_flags(cits, g.get("evidence") or []) if answerable else [False] * len(cits)
        correct = M.item_answer_correct(g, a.get("answer", ""), bool(a.get("abstained")), cits)
        abst = M.abstention_correct(answerable, bool(a.get("abstained")), len(cits))
        f1 = M.token_f1(a.get("answer", ""), g.get("reference", "")) if g.get("reference") else None
        items.append(
            ItemResult(
                part=part, id=str(g["id"]), question=g["question"], lang=g.get("lang", ""), kind=g.get("kind", ""),
                answer=a.get("answer", ""), reference=g.get("reference", ""), abstained=bool(a.get("abstained")),
                route=a.get("route", ""), latency_s=a.get("latency_s"), gold_set=gold_set, half=half_of_question(g, halved),
                citations=[{"doc_id": c.get("doc_id"), "paragraph_id": c.get("paragraph_id"), "text": c.get("text", ""), "correct": f}
                           for c, f in zip(cits, flags)],
                scores={"answer_correct": correct, "abstention_correct": abst, "token_f1": f1, "answerable": answerable,
                        "trap": (not answerable) and bool(g.get("must_not_include")),
                        "citations_correct": sum(flags), "citations": len(cits)},
                passed=correct, note=a.get("error", ""),
            )
        )
    return items, qa_totals(items)


def qa_totals(items: Sequence[ItemResult]) -> dict[str, float | None]:
    """Q&A metrics over scored items (any subset: a half, a language, both)."""
    ans = [i for i in items if i.scores["answerable"]]
    totals: dict[str, float | None] = {"n": float(len(items)), "n_answerable": float(len(ans))}
    totals["answer_accuracy"] = M.mean(i.scores["answer_correct"] for i in items)
    for lang in ("vi", "en"):
        totals[f"answer_accuracy_{lang}"] = M.mean(i.scores["answer_correct"] for i in items if i.lang == lang)
    totals["false_abstention_rate"] = M.false_abstention_rate([(i.scores["answerable"], i.abstained) for i in items])
    totals["wrong_answer_rate"] = M.wrong_answer_rate([(i.scores["answer_correct"], i.abstained) for i in items])
    totals["unanswerable_abstention"] = M.unanswerable_abstention_rate(
        [(i.scores["answerable"], i.abstained, i.scores["citations"]) for i in items])
    totals["unanswerable_n"] = float(len(items) - len(ans))
    totals["traps_answered"] = float(sum(1 for i in items if i.scores.get("trap") and not i.abstained))
    totals["token_f1"] = M.mean(i.scores["token_f1"] for i in ans)
    n_cit = sum(i.scores["citations"] for i in ans)
    totals["citation_precision"] = (sum(i.scores["citations_correct"] for i in ans) / n_cit) if n_cit else None
    totals["citation_recall"] = M.mean(i.scores["citations_correct"] > 0 for i in ans)
    totals["abstention_accuracy"] = M.mean(i.scores["abstention_correct"] for i in items)
    lat = [i.latency_s for i in items if i.latency_s is not None]
    totals["latency_p50_s"] = M.percentile(lat, 50)
    totals["latency_p95_s"] = M.percentile(lat, 95)
    return totals


def qa_breakdown(items: Sequence[ItemResult]) -> dict[str, dict[str, float | None]]:
    """Totals per language, per half and per (half, language); halves only when the set has them."""
    groups: dict[str, list[ItemResult]] = {}
    for i in items:
        keys = [i.lang] if i.lang else []
        if i.half in HALVES:
            keys += [i.half] + ([f"{i.half}.{i.lang}"] if i.lang else [])
        for k in keys:
            groups.setdefault(k, []).append(i)
    order = ["vi", "en", *HALVES, *(f"{h}.{lang}" for h in HALVES for lang in ("vi", "en"))]
    keys = sorted(groups, key=lambda k: (order.index(k) if k in order else len(order), k))
    return {k: qa_totals(groups[k]) for k in keys}


def score_retrieval(gold: Sequence[dict], ranked: dict[str, dict], mode: str,
                    gold_set: str = "") -> tuple[list[ItemResult], dict[str, float | None]]:
    """ranked: id -> {"paragraphs": [{doc_id, paragraph_id, text}], "latency_s"} (best first, deduplicated)."""
    items, ranks = [], []
    halved = has_halves(gold)
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
            latency_s=r.get("latency_s"), scores={"rank": rank, "in_top5": rank is not None and rank <= 5},
            passed=rank is not None and rank <= 5, gold_set=gold_set, half=half_of_question(g, halved),
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
                                    scores=scores, passed=not unsup and bool(text.strip()), half=half_of_doc(doc_id)))
    return items, summary_totals(items)


def summary_breakdown(items: Sequence[ItemResult]) -> dict[str, dict[str, float | None]]:
    """Summary totals per half (tune: odd-numbered articles, check: even); empty without halves."""
    return {h: summary_totals([i for i in items if i.half == h]) for h in HALVES if any(i.half == h for i in items)}


def summary_totals(items: Sequence[ItemResult]) -> dict[str, float | None]:
    """Key-figure coverage (mean over the documents that have key figures), unsupported numbers, empty summaries
    and ROUGE, per language."""
    totals: dict[str, float | None] = {"n_docs": float(len({i.id.rsplit(":", 1)[0] for i in items}))}
    for lang in ("vi", "en"):
        mine = [i for i in items if i.lang == lang]
        totals[f"key_figure_coverage_{lang}"] = M.mean(i.scores["key_figure_coverage"] for i in mine)
        totals[f"unsupported_numbers_{lang}"] = float(sum(i.scores["unsupported_numbers"] for i in mine))
        totals[f"empty_{lang}"] = float(sum(1 for i in mine if not i.answer.strip()))
        for r in ("rouge1", "rouge2", "rougeL"):
            v = M.mean(i.scores.get(r) for i in mine)
            if v is not None:
                totals[f"{r}_{lang}"] = v
    return totals


def _extraction_totals(result: dict) -> dict[str, float | None]:
    return {k: float(v) for k, v in result.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def score_extraction(records: list[dict], extract_gold: dict, doc_texts: dict[str, str],
                     gold_set: str = "") -> tuple[list[ItemResult], dict[str, float | None]]:
    """Delegates to evals.extract_metrics.score_records; numeric top-level values become totals."""
    from .extract_metrics import score_records

    result = score_records(records, extract_gold, doc_texts)
    items = []
    for doc_id, sc in (result.get("per_doc") or {}).items():
        items.append(ItemResult(part="extract", id=str(doc_id), scores=sc, gold_set=gold_set, half=half_of_doc(doc_id)))
    return items, _extraction_totals(result)


def extraction_breakdown(records: list[dict], extract_gold: dict, doc_texts: dict[str, str]) -> dict[str, dict[str, float | None]]:
    """Extraction totals per half (tune: odd-numbered documents, check: even); empty without halves."""
    from .extract_metrics import score_records

    out = {}
    for half in HALVES:
        docs = {d for d in extract_gold if half_of_doc(d) == half}
        if docs:
            recs = [r for r in records if r.get("doc_id") in docs]
            out[half] = _extraction_totals(score_records(recs, {d: extract_gold[d] for d in docs}, doc_texts))
    return out
