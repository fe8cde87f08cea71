"""Pure metric functions for the eval harness. No I/O, no model, no store.

Per-item functions take plain strings / lists / dicts (the gold README format) and return numbers
or booleans; aggregate functions take lists of per-item values. Text comparison follows the gold
README: NFC + case folding (English answers may drop diacritics on names); numbers compare by value
under Vietnamese and English notation (toolkit.vi.numbers); citations are correct when the cited
paragraph contains an evidence string after NFC and whitespace folding.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from toolkit.vi.numbers import number_tokens, parse_number
from toolkit.vi.text import strip_marks, syllables

# An alternative that is only a number ("6.059", "103,33", "25%") is compared by value.
_NUMERIC_ALT = re.compile(r"^\s*[+-]?\d[\d.,\s]*%?\s*$")
_WS = re.compile(r"\s+")


# --- normalisation ---------------------------------------------------------------------------


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s or "")


def ws_fold(s: str) -> str:
    """NFC, every run of whitespace (incl. NBSP) as one space, trimmed. Case is kept."""
    return _WS.sub(" ", nfc(s).replace("\u00a0", " ")).strip()


def text_norm(s: str) -> str:
    """NFC + case folding + whitespace folding (for answer text comparison)."""
    return ws_fold(nfc(s).casefold())


# --- answers ---------------------------------------------------------------------------------


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _numeric_values(alt: str) -> set[float] | None:
    if not _NUMERIC_ALT.match(alt or ""):
        return None
    vals = parse_number(alt.strip().rstrip("%").strip(), "auto")
    return set(vals) if vals else None


_LEADING_NUMBER = re.compile(r"^[+-]?\d[\d.,]*")


def _written_values(answer: str) -> list[set[float]]:
    """Plausible values of every number in answer, each also as written without its multiplier word:
    the gold compares figures as the article writes them ("2.541" matches "2.541 tỷ đồng", which
    toolkit.vi.numbers reads as 2.541e12 too)."""
    out = []
    for _, _, raw, vals in number_tokens(nfc(answer), "auto"):
        m = _LEADING_NUMBER.match(raw)
        bare = parse_number(m.group(0).rstrip(".,"), "auto") if m and m.group(0) != raw else set()
        out.append(set(vals) | set(bare))
    return out


def number_in(answer: str, values: Iterable[float]) -> bool:
    """True when some number written in answer (either notation, with or without its multiplier
    word such as tỷ / triệu / billion) has one of values."""
    wanted = list(values)
    for found in _written_values(answer):
        if any(_close(f, w) for f in found for w in wanted):
            return True
    return False


def text_in(answer: str, alt: str, lang: str = "vi") -> bool:
    """alt occurs in answer after NFC + case folding; for English answers also without diacritics."""
    a, b = text_norm(answer), text_norm(alt)
    if not b:
        return False
    if b in a:
        return True
    if lang == "en":
        return strip_marks(b) in strip_marks(a)
    return False


def mentions(answer: str, alt: str, lang: str = "vi") -> bool:
    """One must_include / must_not_include alternative: numbers by value, the rest as text."""
    vals = _numeric_values(alt)
    if vals is not None:
        return number_in(answer, vals)
    return text_in(answer, alt, lang)


def includes_all(answer: str, must_include: Sequence[Sequence[str]], lang: str = "vi") -> bool:
    """Every group has one alternative in the answer."""
    return all(any(mentions(answer, alt, lang) for alt in group) for group in must_include)


def violations(answer: str, must_not_include: Sequence[str], lang: str = "vi") -> list[str]:
    """The must_not_include strings that appear in the answer."""
    return [s for s in must_not_include if mentions(answer, s, lang)]


def answer_correct(answer: str, must_include: Sequence[Sequence[str]], must_not_include: Sequence[str] = (), lang: str = "vi") -> bool:
    return includes_all(answer, must_include, lang) and not violations(answer, must_not_include, lang)


def item_answer_correct(item: dict, answer: str, abstained: bool, citations: Sequence[dict]) -> bool:
    """Answer accuracy of one gold item: answerable -> not abstained and answer_correct;
    unanswerable -> abstained, no citations and must_not_include respected."""
    lang = item.get("lang", "vi")
    must_not = item.get("must_not_include") or []
    if not item.get("answerable", True):
        return bool(abstained) and not citations and not violations(answer, must_not, lang)
    return (not abstained) and answer_correct(answer, item.get("must_include") or [], must_not, lang)


# --- token F1 and ROUGE (syllable level) -----------------------------------------------------


def _f1(overlap: int, n_pred: int, n_ref: int) -> float:
    if overlap == 0 or n_pred == 0 or n_ref == 0:
        return 0.0
    p, r = overlap / n_pred, overlap / n_ref
    return 2 * p * r / (p + r)


def token_f1(prediction: str, reference: str) -> float:
    """Bag-of-syllables F1 (SQuAD style) on toolkit.vi.text.syllables. Both empty -> 1.0."""
    pred, ref = syllables(nfc(prediction)), syllables(nfc(reference))
    if not pred and not ref:
        return 1.0
    overlap = sum((Counter(pred) & Counter(ref)).values())
    return _f1(overlap, len(pred), len(ref))


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _lcs(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """Syllable-level ROUGE-1, ROUGE-2 and ROUGE-L F-measures."""
    pred, ref = syllables(nfc(prediction)), syllables(nfc(reference))
    out: dict[str, float] = {}
    for n in (1, 2):
        pn, rn = _ngrams(pred, n), _ngrams(ref, n)
        out[f"rouge{n}"] = _f1(sum((pn & rn).values()), sum(pn.values()), sum(rn.values()))
    out["rougeL"] = _f1(_lcs(pred, ref), len(pred), len(ref))
    return out


# --- citations --------------------------------------------------------------------------------


def citation_correct(paragraph_text: str, evidence: Sequence[str]) -> bool:
    """The cited paragraph contains one evidence string (NFC + whitespace folding)."""
    hay = ws_fold(paragraph_text)
    return any(ws_fold(e) and ws_fold(e) in hay for e in evidence)


def citation_flags(citations: Sequence[dict], evidence: Sequence[str]) -> list[bool]:
    return [citation_correct(c.get("text", ""), evidence) for c in citations]


def citation_scores(items: Sequence[tuple[dict, Sequence[dict]]]) -> dict[str, float | None]:
    """Over (gold item, citations) pairs of answerable items:
    precision = correct citations / all citations (micro); recall = share of items with >= 1 correct."""
    n_cit = n_ok = n_items = n_hit = 0
    for item, cits in items:
        if not item.get("answerable", True):
            continue
        flags = citation_flags(cits, item.get("evidence") or [])
        n_items += 1
        n_cit += len(flags)
        n_ok += sum(flags)
        n_hit += any(flags)
    return {
        "citation_precision": (n_ok / n_cit) if n_cit else None,
        "citation_recall": (n_hit / n_items) if n_items else None,
    }


# --- abstention -------------------------------------------------------------------------------


def abstention_correct(answerable: bool, abstained: bool, n_citations: int) -> bool:
    """Unanswerable -> abstained and cited nothing; answerable -> did not abstain."""
    if answerable:
        return not abstained
    return bool(abstained) and n_citations == 0


def false_abstention_rate(rows: Sequence[tuple[bool, bool]]) -> float | None:
    """rows: (answerable, abstained). Answerable questions abstained on / answerable questions."""
    ans = [abst for answerable, abst in rows if answerable]
    return (sum(ans) / len(ans)) if ans else None


def wrong_answer_rate(rows: Sequence[tuple[bool, bool]]) -> float | None:
    """rows: (correct, abstained). Questions answered (not abstained) but not correct / all questions.
    An unanswerable question that is answered counts as wrong; an abstention never does."""
    if not rows:
        return None
    return sum(1 for correct, abst in rows if not abst and not correct) / len(rows)


def unanswerable_abstention_rate(rows: Sequence[tuple[bool, bool, int]]) -> float | None:
    """rows: (answerable, abstained, n_citations). Share of unanswerable questions (traps included)
    that abstained and cited nothing."""
    un = [abstention_correct(False, abst, n) for answerable, abst, n in rows if not answerable]
    return (sum(un) / len(un)) if un else None


# --- retrieval -------------------------------------------------------------------------------


def first_relevant_rank(paragraph_texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first paragraph containing an evidence string, None when absent."""
    for i, text in enumerate(paragraph_texts, 1):
        if citation_correct(text, evidence):
            return i
    return None


def retrieval_scores(ranks: Sequence[int | None]) -> dict[str, float | None]:
    """recall@1, recall@5 and MRR from first-relevant ranks (None = not retrieved)."""
    if not ranks:
        return {"recall@1": None, "recall@5": None, "mrr": None}
    n = len(ranks)
    return {
        "recall@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "recall@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr": sum((1.0 / r) if r else 0.0 for r in ranks) / n,
    }


# --- summaries -------------------------------------------------------------------------------


def figure_coverage(text: str, figures: Sequence[float]) -> float | None:
    """Share of the key figures whose value is written in text (either notation)."""
    if not figures:
        return None
    return sum(1 for f in figures if number_in(text, [float(f)])) / len(figures)


def unsupported_numbers(text: str, sources: Sequence[str]) -> list[str]:
    """Numbers in text that no source supports (the toolkit's one verifier decides)."""
    from toolkit.verify import unsupported_numbers as _unsupported

    return list(_unsupported(text, list(sources)))


# --- aggregation -----------------------------------------------------------------------------


def mean(values: Iterable[float | bool | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile, q in [0, 100]."""
    vals = sorted(values)
    if not vals:
        return None
    k = (len(vals) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return vals[lo] + (vals[hi] - vals[lo]) * (k - lo)
