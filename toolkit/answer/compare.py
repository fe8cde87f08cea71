"""Questions that set bodies or places side by side ("compare the per-capita income of A and B",
"which admitted more, A or B?"): each side is read in the reports that write its name, its figure
is stated with the side's name, and the code (never the model) says which figure is the larger.

    read_sides(info, read, settings=, index=) -> [(name, candidates)]   (empty: the question's names
                                                                         do not pick out two sets of reports)
    respond_compare(original, info, cands, sides, settings=, t0=) -> Answer | None
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from ..schemas import Answer
from ..vi.question import QuestionInfo, analyse_question
from ..vi.terms import _VI_QSTOP, ORG_WORDS, glossed_in, name_runs
from ..vi.text import fold, joined, syllables
from .candidates import Candidate
from .keys import clause_figures, key_spans
from .compose import TEMPLATE_WORDS, relevant_spans, render_span, wanted_kind
from .partwise import answer_of, cite, respond_parts

if TYPE_CHECKING:
    from typing import Callable

    from ..index import Index
    from ..settings import Settings

# words a comparison answer adds (the verifier allows them)
COMPARE_WORDS = {"en": ("has", "the", "larger", "figure"), "vi": ("lớn", "hơn", "con", "số")}


def read_sides(info: QuestionInfo, read: "Callable[[QuestionInfo, set[str]], list[Candidate]]", *, settings: "Settings",
               index: "Index") -> list[tuple[str, list[Candidate]]]:
    """The question's sides: each name it gives that some reports write, read (by `read`: a question
    and the documents to read it in) in those reports. A name whose reports include another name's (a
    province around its district) is not a side; none of it when fewer than two sides remain."""
    lookup = getattr(index, "docs_naming", None)
    if lookup is None:
        return []
    found: list[tuple[str, frozenset[str]]] = []
    for t in name_runs(info.question):
        docs = lookup(t.source, settings.answer.scope_docs)
        if docs and all(d != frozenset(docs) for _, d in found):
            found.append((t.source, frozenset(docs)))
    sides = [(n, d) for n, d in found if not any(other < d for _, other in found)]
    if len(sides) < 2:
        return []
    sides = sides[:3]
    out = []
    for name, docs in sides:
        side = asked(analyse_question(side_question(info.question, name, [n for n, _ in sides])))
        side.lang = info.lang
        out.append((name, read(side, set(docs))))
    return out


def compared_words(info: QuestionInfo, names: list[str]) -> list[tuple[str, ...]]:
    """What is compared: the question's words before its first side ("Compare the per-capita income
    reported for <A> and <B>" -> per-capita income), as alternatives of each (glossed for English),
    without bodies, places, numbers and the answer-type words."""
    at = min((info.question.find(n) for n in names if info.question.find(n) >= 0), default=-1)
    if at < 0:
        return []
    if info.lang == "en":
        return [info.terms[i].alts for i in glossed_in(info.terms, info.question[:at])]
    words = [w for w in syllables(info.question[:at]) if w not in _VI_QSTOP and w not in ORG_WORDS and not w[0].isdigit()]
    return [(w,) for w in words if w not in {"so", "sánh", "nơi", "bên"}]


_JOINS = re.compile(r"(?:[\s,;:]|\b(?:and|or|for|with|versus|vs|và|với|hay|hoặc|so với)\b)+$", re.I)


def side_question(question: str, name: str, names: list[str]) -> str:
    """The question as asked of one side: its words before the first side (without "compare", "between") and this
    side's own stretch (from its name to the next side's, the last side's to its clause's end), without
    the joining words between sides and the comparison asked after them ("which is higher?")."""
    at = sorted((question.find(n), n) for n in names if question.find(n) >= 0)
    if len(at) != len(names):
        return question
    ends = [a for a, _ in at[1:]] + [None]
    stretches = {n: question[a:e] for (a, n), e in zip(at, ends)}
    last = stretches[at[-1][1]]
    # the last side's stretch runs to the end of the question: its clause ends at the first ':', '?' or ' which'
    cut = re.search(r"[:?]|,?\s(?:which|who|what|nơi nào|bên nào|ở đâu)\b", last)
    stretches[at[-1][1]] = last[: cut.start()] if cut else last
    own = _JOINS.sub("", stretches[name])
    head = _COMPARE_WORDS.sub(" ", question[: at[0][0]]).lstrip()  # the comparison asked is no content of a side
    return f"{head}{own}?"


_COMPARE_WORDS = re.compile(r"\b(?:how (?:did|does|do)|compared?|comparison|between|so sánh|giữa)\b", re.I)


def asked(info: QuestionInfo) -> QuestionInfo:
    """The question as each side is asked it: a figure when it names no other kind of answer."""
    return info if wanted_kind(info) else dataclasses.replace(info, wants=info.wants | {"number"}, n_numbers=1)


def _names(c: Candidate, name: str) -> bool:
    return joined(name) in joined(c.quote)


def _larger(picked: list[tuple[str, list]]) -> str | None:
    """The side with the larger figure, when each side states one figure in the same unit."""
    vals = []
    for name, spans in picked:
        if len(spans) != 1 or len(spans[0].values) != 1:
            return None
        vals.append((spans[0].values[0], fold(spans[0].text.split(" ", 1)[1] if " " in spans[0].text else ""), name))
    if len({u for _, u, _ in vals}) != 1 or len({v for v, _, _ in vals}) != len(vals):
        return None
    return max(vals)[2]


def respond_compare(original: str, info: QuestionInfo, cands: list[Candidate], sides: list[tuple[str, list[Candidate]]], *,
                    settings: "Settings", t0: float) -> Answer | None:
    """Each side's best sentence holding the asked kind (a figure when the question names none) at
    compare_below, stated with the side's name (its report's sentence naming it cited too when the
    figure's sentence does not); without sides, the best sentence of each of the two best documents.
    None when a side finds nothing: one side of a comparison is half an answer."""
    from ..verify import verify_answer

    cfg = settings.answer
    kind = wanted_kind(info) or "number"
    one = asked(info)
    if not sides:
        per_doc: dict[str, Candidate] = {}
        # a figure asked of each report is one framed in the compared words, or in the question's own terms
        words = compared_words(info, [t.source for t in name_runs(info.question)]) if kind == "number" else []
        if words:
            framed = lambda c: bool(clause_figures(c, words))  # noqa: E731
        elif kind == "number":
            framed = lambda c: bool(key_spans(c, one))  # noqa: E731
        else:
            framed = lambda c: any(sp.kind == kind for sp in c.spans)  # noqa: E731
        for c in cands:  # best first
            if not c.gated and c.doc_id not in per_doc and framed(c):
                per_doc[c.doc_id] = c
        best = [c for c in per_doc.values() if c.score >= cfg.compare_below][:2]
        if len(best) < 2:
            return None
        return respond_parts(original, one, [(one, [c]) for c in best], settings=settings, t0=t0, bar=0.0)
    picked, cited = [], []
    words = compared_words(info, [n for n, _ in sides]) if kind == "number" else []
    if kind == "number" and not words:
        return None  # what is compared is not said in words a report's figure can be framed by
    for name, scands in sides:
        # the side's best sentence that frames a figure in the compared words (a figure of something else is no answer)
        c = next((c for c in scands if not c.gated and c.score >= cfg.compare_below
                  and (clause_figures(c, words) if words else any(sp.kind == kind for sp in c.spans))), None)
        if c is None:
            return None
        spans = clause_figures(c, words) if words else relevant_spans(c, one, kind)
        if not spans:
            return None
        naming = c if _names(c, name) else next((o for o in scands if o.doc_id == c.doc_id and _names(o, name)), None)
        if naming is None:
            return None
        picked.append((name, spans))
        cited += [c] + ([naming] if naming is not c else [])
    if info.lang == "en":
        items = [f"{name}: {'; '.join(render_span(s) for s in spans)}" for name, spans in picked]
    else:
        items = [f"{name}: {'; '.join(s.text for s in spans)}" for name, spans in picked]
    text = "; ".join(items) + "."
    larger = _larger(picked)
    if larger:
        text += f" {larger} has the larger figure." if info.lang == "en" else f" Con số của {larger} lớn hơn."
    spans_text = [t for _, sp in picked for s in sp for t in (s.text, s.label) if t] + [n for n, _ in picked]
    allowed = list(TEMPLATE_WORDS) + list(COMPARE_WORDS[info.lang]) + [render_span(s) for _, sp in picked for s in sp]
    if not verify_answer(text, spans_text, [c.quote for c in cited], allowed).ok:
        return None
    evidence = " ".join(f"[{i}] «{c.quote}»" for i, c in enumerate(cited, 1))
    lead = "Source (Vietnamese): " if info.lang == "en" else "Nguồn: "
    return answer_of(original, info.lang, f"{text} {lead}{evidence}", [cite(c) for c in cited], "extractive", t0)
