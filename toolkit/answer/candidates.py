"""Candidate sentences of the retrieved paragraphs and the features the reader scores them by.

Features carry over to any article (none names a sentence of one): dense similarity of question
and sentence (the index's e5 embedder, the only bridge from an English question to Vietnamese
text), IDF-weighted coverage of the question's terms in the sentence, its paragraph and its
document, the answer-type cue (a figure for how many, a name for who, a date for when, a code for
which document), the counted thing next to a figure, period and year agreement, target wording,
and retrieval rank. The weights live in Settings (fitted by evals/fit_reader.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..schemas import Document
from ..vi.text import fold, joined, sentence_spans, strip_marks, syllables
from ..vi.periods import ROLE_CUES, period_gate, periods_in, sets_target, years_in
from ..vi.question import INJECTION, QuestionInfo, number_values
from ..vi.codes import find_codes
from ..vi.numbers import abbreviate_units
from .spans import Span, spans_of
from .stats import Stats

if TYPE_CHECKING:
    from ..index import Hit

FEATURES = ("bias", "dense", "dense_gap", "dense_top", "lex", "lex_par", "lex_doc", "missing", "type", "focus",
            "period_match", "period_clash", "target_match", "target_clash", "rank", "qnum", "short", "role")

HASH_DENSE_LEVEL = 0.85  # e5-small cosine of a question and a sentence that answers it (web dev set, typical)


@dataclass
class Candidate:
    doc_id: str
    paragraph_id: str
    paragraph_text: str
    start: int  # the sentence in paragraph_text
    end: int
    rank: int  # retrieval rank of the paragraph
    feats: dict[str, float] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    matched: frozenset[int] = frozenset()
    score: float = 0.0  # the reader's probability that the sentence answers
    covers: frozenset[str] = frozenset()  # the question's counted things stated next to a figure here
    gated: bool = False  # its year or period contradicts the question's: never an answer

    @property
    def quote(self) -> str:
        return self.paragraph_text[self.start: self.end]

    def vector(self) -> list[float]:
        return [self.feats.get(f, 0.0) for f in FEATURES]


def term_weights(info: QuestionInfo, stats: Stats) -> list[float]:
    """IDF weights; syllable pairs never seen in the corpus and, in English questions, plain ASCII
    words the corpus never uses weigh nothing."""
    weights = []
    for t in info.terms:
        w = max(stats.idf(a) for a in t.alts)
        if t.kind == "pair" and not any(stats.df.get(a) for a in t.alts):
            w = 0.0
        if info.lang == "en" and t.kind in ("word", "pair", "name") and any(
                s.isascii() and not stats.df.get(s) for a in t.alts for s in a.split()):
            w = 0.0  # an English word the corpus never uses (no glossary entry): not a concept the text can hold
        weights.append(w)
    for t, w in zip(info.terms, weights):
        t.weight = w
    return weights


def matched_terms(text: str, info: QuestionInfo) -> frozenset[int]:
    """Indices of the question terms that text holds (numbers by value)."""
    words = joined(text)
    bare = strip_marks(words)
    plain_question = strip_marks(info.question) == info.question
    nums = None
    out = set()
    for i, t in enumerate(info.terms):
        if t.is_number:
            if f" {fold(t.alts[0])} " in words:
                out.add(i)
                continue
            if nums is None:
                nums = number_values(text)
            tv = number_values(t.alts[0])
            if any(w & v for w in tv for v in nums):
                out.add(i)
        elif any(f" {a} " in words for a in t.alts):
            out.add(i)
        elif plain_question and all(a.isascii() for a in t.alts) and any(f" {a} " in bare for a in t.alts):
            out.add(i)
    return frozenset(out)


def _cov(matched: frozenset[int], weights: list[float]) -> float:
    return sum(weights[i] for i in matched) / (sum(weights) or 1.0)


def _missing(info: QuestionInfo, weights: list[float], matched: frozenset[int]) -> float:
    """Weight (relative to the heaviest term) of the heaviest word concept absent from the document."""
    top = max(weights, default=0.0) or 1.0
    worst = 0.0
    for i, (t, w) in enumerate(zip(info.terms, weights)):
        if t.kind in ("word", "gloss", "name") and i not in matched and w:
            worst = max(worst, w / top)
    return worst


def asks_document_date(info: QuestionInfo) -> bool:
    """The question asks when a document was issued (it names a code, or issuing)."""
    return bool(info.code_types or find_codes(info.question) or _ISSUED.search(info.question))


_ISSUED = re.compile(r"ban hành|\bký\b|issued|signed|adopted", re.I)


@lru_cache(maxsize=64)
def _joined_question(question: str) -> str:
    """The question's syllables joined, read once per question (type_cue runs for every sentence)."""
    return joined(question)


_ASKS_DAY = re.compile(r"\b(?:ngay nao|ngay bao nhieu|ngay may|what date|which date|what day|which day|the date|the day)\b")


_DOCUMENT_DATE = re.compile(r"\bdate of\b[^?]{0,60}?(?:resolution|directive|conclusion|decision|regulation|plan|document|notice"
                            r"|\d+\s*-\s*[A-ZĐ]+/)|ngày ban hành|(?:ban hành|ký) (?:vào )?ngày nào", re.I)


@lru_cache(maxsize=256)
def _plain_question(question: str) -> str:
    return strip_marks(fold(question))


def type_cue(spans: list[Span], info: QuestionInfo, n_new_numbers: int) -> float:
    """1.0 when the sentence holds what the question asks for (figure, date, name, code)."""
    s = []
    kinds = {sp.kind for sp in spans}
    if "date" in info.wants:  # an event's date, unless the question asks when a document was issued
        named = {c for _, _, c in find_codes(info.question)}
        dates = [sp for sp in spans if sp.kind == "date"
                 and (not sp.label or (asks_document_date(info) and (not named or sp.label in named)))]
        if _ASKS_DAY.search(_plain_question(info.question)):  # "ngày nào", "what date": a month names no day
            dates = [sp for sp in dates if sp.date and sp.date[0]]
        if _DOCUMENT_DATE.search(info.question):  # "the date of Directive 35-CT/TW": a date written after a code
            dates = [sp for sp in dates if sp.label and (not named or sp.label in named)]
        s.append(1.0 if dates else 0.0)
    if "code" in info.wants:
        s.append(1.0 if "code" in kinds else 0.0)
    if "person" in info.wants or "title" in info.wants:
        # a person the question itself names is its context, never the answer to "who"
        q = _joined_question(info.question) if "person" in info.wants else ""  # "Bà X giữ chức vụ gì": X is asked about
        s.append(1.0 if any(sp.kind == "person" and joined(sp.text) not in q for sp in spans) else 0.0)
    if "number" in info.wants and not ({"date", "code"} & info.wants):
        s.append(min(1.0, n_new_numbers / max(1, info.n_numbers)))
    return min(s) if s else 1.0


def focus_hits(spans: list[Span], sentence: str, info: QuestionInfo) -> frozenset[str]:
    """The counted things of the question (info.focus) that stand right after a figure of the
    sentence ('155 đảng viên'), '%' for a percentage."""
    out = set()
    longest = max((len(f.split()) for f in info.focus), default=0)
    for sp in spans:
        if sp.kind != "number":
            continue
        # the figure and as many syllables after it as the longest counted thing ("557 tổ chức cơ sở đảng")
        n = len(syllables(fold(sp.text))) + longest
        after = abbreviate_units(" ".join(syllables(fold(sentence[sp.start: sp.end + 12 + 8 * longest]))[:n]))
        for f in info.focus:
            if (f == "%" and "%" in sp.text) or (f != "%" and f" {abbreviate_units(f)}" in f" {after}"):
                out.add(f)
    return frozenset(out)


def _role_feat(info: QuestionInfo, sent: str) -> float:
    """+1 when the sentence states the role the question asks about (chủ trì for who chaired), -1
    when it states only other roles, 0 when the question asks no role or the sentence states none."""
    if not info.roles:
        return 0.0
    pl = strip_marks(fold(sent))
    stated = {r for r, (_, said) in ROLE_CUES.items() if re.search(said, pl)}
    if not stated:
        return 0.0
    return 1.0 if stated & set(info.roles) else -1.0


def _period_feats(info: QuestionInfo, sent: str, before: str, title: str) -> tuple[float, float]:
    """(match, clash) of the question's years and periods with the sentence's own, else those of the
    paragraph before it, else the title."""
    if not info.years and not info.periods:
        return 0.0, 0.0
    match = clash = 0.0
    for ctx in (sent, before, title):
        ys = years_in(ctx) - {y for y in years_in(ctx) if f"{y}-" in ctx or f"-{y}" in ctx}
        if info.years and ys:
            if info.years & ys:
                match += 0.5
            else:
                clash += 0.5
            break
    for ctx in (sent, before, title):
        ps = periods_in(ctx)
        if info.periods and ps:
            if info.periods & ps:
                match += 0.5
            else:
                clash += 0.5
            break
    if info.years and not info.periods:
        ps = periods_in(sent)
        if ps and "target" not in info.wants:
            clash += 0.25  # a sub-year figure when the whole year is asked
    return match, clash


def paragraphs_to_read(hits: list["Hit"], docs: dict[str, Document], n: int, n_docs: int) -> list[tuple[int, str, str, str]]:
    """(rank, doc_id, paragraph_id, text) of the first n distinct retrieved paragraphs, then the other
    paragraphs of the first n_docs retrieved documents (rank n)."""
    out: list[tuple[int, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for h in hits:
        if (h.doc_id, h.paragraph_id) in seen:
            continue
        seen.add((h.doc_id, h.paragraph_id))
        text = h.paragraph_text
        doc = docs.get(h.doc_id)
        if doc is not None:
            try:
                text = doc.paragraph(h.paragraph_id).text
            except KeyError:
                pass
        out.append((len(out), h.doc_id, h.paragraph_id, text))
        if len(out) >= n:
            break
    # every other paragraph of the best documents: reports are short, and the meeting's date, body
    # or a second figure often stand in a paragraph the index ranked lower (or does not hold)
    for d in list(dict.fromkeys(h.doc_id for h in hits))[:n_docs]:
        doc = docs.get(d)
        for p in doc.paragraphs if doc is not None else []:
            if (d, p.paragraph_id) in seen or p.kind not in ("title", "caption", "body") or len(p.text) < 30:
                continue
            seen.add((d, p.paragraph_id))
            out.append((n, d, p.paragraph_id, p.text))
    return out


def _only_targets(sent: str, spans: list[Span]) -> bool:
    """Every figure of the sentence stands in a clause (between semicolons) that sets a target."""
    figures = [sp for sp in spans if sp.kind == "number"]
    if not figures:
        return False
    cuts = [0] + [i + 1 for i, ch in enumerate(sent) if ch == ";"] + [len(sent) + 1]
    for sp in figures:
        a = max(x for x in cuts if x <= sp.start)
        b = min(x for x in cuts if x > sp.start)
        if not sets_target(sent[a:b - 1]):
            return False
    return True


def _sentences(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Full sentences; one longer than max_chars is read as its semicolon pieces, and a piece still
    longer as windows of at most max_chars cut after a comma (nothing of the text is left unread)."""
    out = []
    for s, e in sentence_spans(text, semicolons=False):
        if e - s <= max_chars:
            out.append((s, e))
            continue
        for a, b in sentence_spans(text[s:e], semicolons=True):
            a, b = s + a, s + b
            while b - a > max_chars:  # a piece still too long is read in windows cut after a comma (else a space)
                window = text[a: a + max_chars]
                comma = window.rfind(", ")
                cut = comma + 1 if comma >= max_chars // 2 else window.rfind(" ")
                cut = cut if cut > 0 else max_chars
                out.append((a, a + cut))
                a += cut
                while a < b and text[a] == " ":
                    a += 1
            if b > a:
                out.append((a, b))
    return out


def build_candidates(info: QuestionInfo, hits: list["Hit"], docs: dict[str, Document], stats: Stats,
                     embedder, n_paragraphs: int, max_chars: int = 600, n_docs: int = 3) -> list[Candidate]:
    """Every sentence of the top retrieved paragraphs, with its features."""
    weights = term_weights(info, stats)
    doc_info: dict[str, tuple[float, float, str, int | None, bool]] = {}
    out: list[Candidate] = []
    for rank, doc_id, pid, text in paragraphs_to_read(hits, docs, n_paragraphs, n_docs):
        doc = docs.get(doc_id)
        if doc_id not in doc_info:
            whole = doc.text if doc is not None else text
            m = matched_terms(whole, info)
            published = doc.published.year if doc is not None and doc.published else None
            absent = any(t.kind == "name" and w > 0 and i not in m for i, (t, w) in enumerate(zip(info.terms, weights)))
            doc_info[doc_id] = (_cov(m, weights), _missing(info, weights, m), doc.title if doc is not None else "", published, absent)
        dcov, missing, title, published, name_absent = doc_info[doc_id]
        pcov = _cov(matched_terms(text, info), weights)
        for s, e in _sentences(text, max_chars):
            sent = text[s:e]
            if len(sent) < 12 or INJECTION.search(strip_marks(fold(sent))):
                continue  # instruction-like text inside an article is never a source
            c = Candidate(doc_id, pid, text, s, e, rank)
            c.spans = spans_of(sent, info.numbers)
            c.matched = matched_terms(sent, info)
            c.covers = focus_hits(c.spans, sent, info) if info.focus else frozenset()
            n_new = sum(1 for sp in c.spans if sp.kind == "number" and not (sp.values and 1900 <= sp.values[0] <= 2100 and float(sp.values[0]).is_integer()))
            pm, pc = _period_feats(info, sent, text[:s], title)
            c.gated = period_gate(info.years, info.periods, "target" in info.wants, sent, text[:s], title, published)
            target_marks = sets_target(sent)
            if target_marks and "number" in info.wants and "target" not in info.wants and info.n_numbers == 1 \
                    and _only_targets(sent, c.spans):
                c.gated = True  # a target ("từ 150 đảng viên trở lên") never answers what was done
            q_nums = [t for t in info.terms if t.is_number]
            c.feats = {
                "bias": 1.0,
                "lex": _cov(c.matched, weights),
                "lex_par": pcov,
                "lex_doc": dcov,
                "missing": missing,
                "type": type_cue(c.spans, info, n_new),
                "focus": 1.0 if c.covers else 0.0,
                "period_match": pm,
                "period_clash": pc,
                "target_match": 1.0 if ("target" in info.wants and target_marks) else 0.0,
                "target_clash": 1.0 if ("target" not in info.wants and "number" in info.wants and target_marks) else 0.0,
                "rank": 1.0 / (1.0 + rank),
                "qnum": (sum(1 for i, t in enumerate(info.terms) if t.is_number and i in c.matched) / len(q_nums)) if q_nums else 0.0,
                "short": 1.0 if len(sent.split()) < 8 else 0.0,
                "role": _role_feat(info, sent),
                "name_absent": 1.0 if name_absent else 0.0,  # not a scored feature: a place or body the question names is not in this report
            }
            out.append(c)
    _add_dense(info, out, embedder)
    return out


def _add_dense(info: QuestionInfo, cands: list[Candidate], embedder) -> None:
    """Cosine of the question and each sentence (e5 query vs passage), and its gap to the best."""
    if not cands or embedder is None:
        for c in cands:
            c.feats["dense"] = c.feats["dense_gap"] = c.feats["dense_top"] = 0.0
        return
    qv = embedder.embed_query(info.question)
    pvs = embedder.embed_passages([c.quote for c in cands])

    def cos(a, b) -> float:
        na = math.sqrt(sum(x * x for x in a)) or 1.0
        nb = math.sqrt(sum(x * x for x in b)) or 1.0
        return sum(x * y for x, y in zip(a, b)) / (na * nb)

    sims = [cos(qv, pv) for pv in pvs]
    top = max(sims)
    if str(getattr(embedder, "name", "")).startswith("hash"):
        # the hash embedder (tests only) measures word overlap, not meaning: its ranking is kept,
        # its absolute level is replaced by e5's typical one so the fitted weights still apply
        sims = [HASH_DENSE_LEVEL + (x - top) * 0.1 for x in sims]
        top = max(sims)
    order = sorted(range(len(sims)), key=lambda i: -sims[i])
    for r, i in enumerate(order):
        c = cands[i]
        c.feats["dense"] = sims[i]
        c.feats["dense_gap"] = sims[i] - top
        c.feats["dense_top"] = 1.0 / (1.0 + r)
