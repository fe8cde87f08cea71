"""The data of one eval run: scored items, totals, per-group breakdowns, run metadata."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
    gold_set: str = Field(default="", description="name of the gold set the item belongs to (web, dev…)")
    half: str = Field(default="", description="tune (odd-numbered documents), check (even) or all (no halves)")


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
    breakdown: dict[str, dict[str, dict[str, float | None]]] = Field(
        default_factory=dict, description="part -> group (tune, check, tune.vi, en…) -> metric -> value")
    notes: list[str] = Field(default_factory=list)

    def flat_metrics(self) -> dict[str, float]:
        """'part.metric' and 'part.group.metric' -> value, numbers only (the names --fail-under and
        --compare use), e.g. web.qa.answer_accuracy, web.qa.check.en.false_abstention_rate."""
        out: dict[str, float] = {}
        rows = [(part, ms) for part, ms in self.totals.items()]
        rows += [(f"{part}.{group}", ms) for part, groups in self.breakdown.items() for group, ms in groups.items()]
        for prefix, ms in rows:
            for k, v in ms.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[f"{prefix}.{k}"] = float(v)
        return out
