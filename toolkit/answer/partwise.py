"""A question of several parts answered part by part: each part's own best sentence (a citation
per part), or nothing, so that no question is answered in half. Also the Answer and Citation
records every route builds.

    respond_parts(original, info, parts, settings=, t0=, bar=None) -> Answer | None
    cite(c, a=None, b=None) -> Citation;  answer_of(original, lang, text, citations, route, t0) -> Answer
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from ..schemas import Answer, Citation
from ..vi.periods import role_of_who, states_role
from ..vi.question import Lang, QuestionInfo
from .candidates import Candidate
from .compose import TEMPLATE_WORDS, compose_en, compose_vi, evidence_en, relevant_spans, render_span, wanted_kind
from .keys import key_match
from .reader import eligible

if TYPE_CHECKING:
    from ..settings import Settings


def _key(c: Candidate) -> tuple[str, str, int]:
    return (c.doc_id, c.paragraph_id, c.start)


def _new_spans(c: Candidate, kind: str, question: str) -> list:
    """The sentence's spans of a kind that the whole question does not itself state (a code or a
    name the question gives is context, never the answer to one of its parts)."""
    return [sp for sp in c.spans if sp.kind == kind and sp.text not in question]


def respond_parts(original: str, info: QuestionInfo, parts: list[tuple[QuestionInfo, list[Candidate]]], *,
                   settings: "Settings", t0: float, bar: float | None = None) -> Answer | None:
    """Every part answered by its own best sentence, a citation per part; None (abstain) when a part
    finds no answer above the bar, so that no question is answered in half."""
    from ..verify import verify_answer

    cfg = settings.answer
    if bar is None:
        bar = cfg.part_below_en if info.lang == "en" else cfg.part_below
    key_bar = cfg.key_below_en if info.lang == "en" else cfg.key_below
    near: list[tuple[QuestionInfo, list[Candidate], list[Candidate]]] = []
    for pinfo, pcands in parts:
        ok = eligible(pcands, pinfo)
        if not ok:
            return None
        near.append((pinfo, [c for c in ok if c.score >= ok[0].score - cfg.part_tie], ok))
    # of nearly tied sentences, the one that answers more parts: fewer sentences, read together
    shared = Counter(k for _, cs, _ in near for k in {_key(c) for c in cs})
    picks: list[tuple[QuestionInfo, Candidate]] = []
    used: Counter = Counter()
    for pinfo, cs, ok in sorted(near, key=lambda x: -x[2][0].score):
        # two parts ask two things: a sentence answers no more parts than it holds spans of the asked kind
        kind = wanted_kind(pinfo)
        room = [c for c in ok if len(_new_spans(c, kind, info.question)) > used[(_key(c), kind)]] if kind else ok
        tied = [c for c in cs if c in room]
        c = max(tied, key=lambda c: (shared[_key(c)], c.score)) if tied else (room[0] if room else None)
        matched = c is not None and key_match(c, pinfo, ok)
        if not matched:
            keyed = next((k for k in room if k.score >= key_bar and key_match(k, pinfo, ok)), None)
            if keyed is not None:
                c, matched = keyed, True  # a sentence holding what the part asks in its own terms outranks a better-scored one
        who_role = role_of_who(pinfo.question) if "person" in pinfo.wants else None
        if c is not None and not matched and who_role and not states_role(who_role, c.quote):
            # a sentence that names a person in the role the who-word asks outranks one that does not
            c = next((k for k in room if k.score >= cfg.role_below and states_role(who_role, k.quote)), c)
        if c is None:
            return None
        key = _key(c)
        # a part answered by a sentence another part already stands on needs less of its own, and
        # one whose sentence holds what it asks in its own terms (reader.key_match) the key bar
        need = cfg.extra_ratio * bar if used[key] else bar
        if matched:
            need = min(need, key_bar)
        if who_role and states_role(who_role, c.quote):
            need = min(need, cfg.role_below)  # it names a person and states the role the who-word asks (as choose does)
        if c.score < need:
            return None
        used[key] += 1
        used[(key, kind)] += 1  # of the asked kind: a sentence with a figure and a date answers one of each
        picks.append((pinfo, c))
    picks.sort(key=lambda x: (x[1].doc_id, x[1].paragraph_id, x[1].start))
    seen: dict[tuple[str, str, int], int] = {}
    if info.lang == "vi":
        texts, cits = [], []
        for pinfo, c in picks:
            key = (c.doc_id, c.paragraph_id, c.start)
            if key in seen:
                continue
            seen[key] = 1
            text, wins = compose_vi([c], pinfo, settings.answer.max_words)
            texts.append(text)
            cits.append(cite(c, *wins[0]))
        return answer_of(original, info.lang, " ".join(texts), cits, "extractive", t0)
    picked: list[tuple[Candidate, list]] = []
    for pinfo, c in picks:
        kind = wanted_kind(pinfo)
        spans = relevant_spans(c, pinfo, kind) if kind else []
        if not spans:
            return None
        key = (c.doc_id, c.paragraph_id, c.start)
        if key in seen:
            have = picked[seen[key]][1]
            have.extend(s for s in spans if s not in have)
            continue
        seen[key] = len(picked)
        picked.append((c, list(spans)))
    kind = wanted_kind(info) or wanted_kind(picks[0][0]) or "number"
    text = compose_en(picked, kind)
    if not text:
        return None
    spans_text = [t for _, sp in picked for s in sp for t in (s.text, s.label) if t]
    allowed = list(TEMPLATE_WORDS) + [render_span(s) for _, sp in picked for s in sp]
    if not verify_answer(text, spans_text, [c.quote for c, _ in picked], allowed).ok:
        return None
    evidence, wins = evidence_en(picked, settings.answer.max_words)
    return answer_of(original, info.lang, f"{text} {evidence}", [cite(c, a, b) for (c, _), (a, b) in zip(picked, wins)],
                   "extractive", t0)


def cite(c: Candidate, a: int | None = None, b: int | None = None) -> Citation:
    a = c.start if a is None else a
    b = c.end if b is None else b
    return Citation(doc_id=c.doc_id, paragraph_id=c.paragraph_id, text=c.paragraph_text, quote=c.paragraph_text[a:b], start=a, end=b)


def answer_of(original: str, lang: Lang, text: str, cits: list[Citation], route: str, t0: float) -> Answer:
    return Answer(question=original, answer=text, language=lang, abstained=False, citations=cits, route=route,
                  latency_s=round(time.perf_counter() - t0, 3))
