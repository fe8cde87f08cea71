"""The model phrases, the code gates: a one- or two-sentence answer in the question's language,
written by the model from the picked grounded spans and streamed through a gate.

    phrase_stream(info, picked, fallback, settings=, llm=) -> Iterator[Delta | Final]

The gate releases text only while every number, name, date and document code completed so far is
one of the picked spans (or a figure or name of the question that a cited sentence also states).
It holds back the tail while a figure or a name may still be growing ("8" may become "87,5%",
"Nguyễn Văn" may become "Nguyễn Văn An"). The settled text is checked by toolkit.verify's
verify_answer as it grows (figures, names, dates, codes, and nothing of substance beyond the spans
and cited sentences); at the first failure the stream stops and the composed answer (`fallback`)
stands.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from ..vi.dates import dates_in
from ..vi.number_spans import find_numbers
from ..schemas import Answer
from ..vi.text import fold
from ..verify import verify_answer
from ..verify.core import SourceFacts
from ..vi.names import name_like_runs
from ..vi.periods import years_in
from ..vi.question import QuestionInfo
from .candidates import Candidate
from .compose import TEMPLATE_WORDS, render_span
from .spans import Span, span_relevance

if TYPE_CHECKING:
    from ..llm import LLM
    from ..settings import Settings

LANGUAGE = {"vi": "Vietnamese", "en": "English"}
_ENTITY_CHARS = frozenset("%/-–.,:")


@dataclass
class Delta:
    """Text released by the gate, to append to what was shown."""

    text: str


@dataclass
class Final:
    """The answer to show in place of the streamed text: the phrased one when it passed, else the
    composed one (`stopped` says why the phrasing was dropped)."""

    answer: Answer
    phrased: bool = False
    stopped: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    draft: str = ""  # what the model wrote (also when refused), for diagnostics; never shown


# --- grounds --------------------------------------------------------------------------------------


def best_spans(c: Candidate, spans: list[Span], info: QuestionInfo) -> list[Span]:
    """The spans of a sentence the phrasing may state: those whose words match the question best,
    as many as it asks for. A Vietnamese composed answer quotes every figure of its clause in
    context; a phrased one must not be free to pair a figure with another figure's words (the
    share rated good for the share rated excellent), so it gets only the best of them."""
    if len(spans) <= 1:
        return spans
    alts = [t.alts for t in info.terms]
    weights = [t.weight for t in info.terms]
    rel = sorted(((span_relevance(s, c.quote, alts, weights, info.focus), s) for s in spans), key=lambda x: -x[0])
    need = max(1, info.n_parts, info.n_numbers if rel[0][1].kind == "number" else 1)
    if "list" in info.wants or (rel[0][1].kind == "person" and "attend" in info.roles):
        return spans
    top = rel[0][0]
    keep = [s for r, s in rel[:need] if r >= top - 1e-9 or need > 1]
    return sorted(keep, key=lambda s: s.start)


def grounds_of(question: str, picked: list[tuple[Candidate, list[Span]]]) -> tuple[list[str], list[str]]:
    """(grounded strings, cited sentences): the picked spans and their labels, the year of a cited
    sentence that states only one, and the figures, dates and names of the question that a cited
    sentence also states (so "Năm 2023, ..." may echo the year asked about, never a year the sentence does
    not give, nor one of two years a sentence compares)."""
    cited = [c.quote for c, _ in picked]
    grounded = [t for _, spans in picked for s in spans for t in (s.text, s.label) if t]
    facts = SourceFacts(cited)
    for ns in find_numbers(question):
        vals = {ns.value} | ({ns.target} if ns.target is not None else set())
        if facts.has_value(vals) and any(ns.raw in c for c in cited):
            grounded.append(ns.raw)
    for c in cited:  # a sentence that states one year states its period: the answer may name it
        years = {ns.raw for ns in find_numbers(c) if ns.kind == "year"} | {str(y) for y in years_in(c)}  # "quý III/2022" too
        if len(years) == 1:
            grounded.append(years.pop())
    asked_dm = {(d, m) for *_, (d, m, _y) in dates_in(question)}
    for c in cited:  # "by 20 August 2020" asked of "Đến ngày 20-8-2020": the sentence's date (compared by day and month)
        grounded += [raw for _a, _b, raw, (d, m, _y) in dates_in(c) if (d, m) in asked_dm]
    folded = [fold(c) for c in cited]
    for name in name_like_runs(question):
        if any(fold(name) in f for f in folded):
            grounded.append(name)
    return grounded, cited


# English verbs whose past differs from the stem (facts of the language; the reports' common ones):
# an answer says "fell" to "did ... fall?", "held" to "did ... hold?"
_IRREGULAR = {"fall": "fell fallen", "rise": "rose risen", "grow": "grew grown", "hold": "held", "lead": "led",
              "leave": "left", "take": "took taken", "give": "gave given", "meet": "met", "make": "made",
              "become": "became", "begin": "began begun", "choose": "chose chosen", "win": "won", "spend": "spent",
              "send": "sent", "build": "built", "keep": "kept", "bring": "brought", "be": "was were been",
              "do": "did done", "have": "has had", "get": "got", "go": "went gone", "say": "said", "pay": "paid",
              "sell": "sold", "tell": "told", "see": "saw seen", "write": "wrote written", "speak": "spoke spoken"}
_ASCII_WORD = re.compile(r"[A-Za-z]+")


def _bases(w: str) -> set[str]:
    """w and what it may be an inflection of ('admitted' -> 'admit', 'payments' -> 'payment')."""
    out = {w}
    for suffix in ("ies", "ied"):
        if w.endswith(suffix):
            out.add(w[:-3] + "y")
    for suffix in ("es", "s", "ed", "d", "ing"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            b = w[:-len(suffix)]
            out |= {b, b + "e"} | ({b[:-1]} if len(b) > 3 and b[-1] == b[-2] else set())
    return out


def english_forms(text: str) -> list[str]:
    """The inflected forms of the English words of a text (plural, 3rd person, past, participle,
    gerund, and the irregular past): the answer to "did X fall?" may say "X fell", to "how many
    were admitted?" "X admitted"."""
    out: set[str] = set()
    for w in {w.lower() for w in _ASCII_WORD.findall(text or "") if len(w) > 2}:
        for b in _bases(w) | {base for base, forms in _IRREGULAR.items() if w in forms.split()}:
            stem = b[:-1] if b.endswith(("e", "y")) else b
            out |= {b, b + "s", b + "es", b + "d", b + "ed", stem + "ed", stem + "ing", stem + "ied", stem + "ies",
                    b + b[-1] + "ed", b + b[-1] + "ing"}
            out |= set(_IRREGULAR.get(b, "").split())
    return sorted(out)


# --- gate -----------------------------------------------------------------------------------------


def _entity_like(word: str) -> bool:
    """A word a figure, date, code or name may still continue through."""
    w = word.strip("()[]«»“”\"'")
    if not w:
        return False
    return any(ch.isdigit() for ch in w) or w[0].isupper() or all(ch in _ENTITY_CHARS for ch in w)


def settled(text: str) -> int:
    """How much of the text is settled: everything before the word being written and before a
    trailing run of words a figure or name may still continue through."""
    end = len(text)
    if end and not text[-1].isspace():
        end = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t")) + 1  # the word being written
    while end > 0:
        head = text[:end].rstrip()
        cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t")) + 1
        last = head[cut:]
        if not last or not _entity_like(last):
            # a trailing sentence stop or comma after a plain word is settled
            return len(head) if head else 0
        end = cut
    return 0


class Gate:
    """Releases streamed text while every completed number, name, date and code is grounded."""

    def __init__(self, grounded: list[str], cited: list[str], allowed_words: list[str]):
        self.grounded = grounded
        self.cited = cited
        self.allowed = allowed_words
        self.text = ""
        self.released = 0
        self.stopped = ""

    def _problems(self, text: str) -> str:
        """Why the (settled) text may not be shown: ungrounded figures, names, dates, codes, or a word
        of substance the spans and cited sentences do not carry (a settled word is final, so the
        stream stops at the first one instead of writing on to a refusal)."""
        v = verify_answer(text, self.grounded, self.cited, self.allowed)
        return "; ".join(v.missing_numbers + v.missing_names + v.missing_codes + v.problems + v.unsupported_words)

    def feed(self, piece: str) -> str:
        """The newly released text after one more piece ('' when nothing is settled or stopped)."""
        if self.stopped:
            return ""
        self.text += piece
        upto = settled(self.text)
        if upto <= self.released:
            return ""
        bad = self._problems(self.text[:upto])
        if bad:
            self.stopped = f"not grounded: {bad}"
            return ""
        out = self.text[self.released:upto]
        self.released = upto
        return out

    def close(self) -> str:
        """The rest of the text when the whole answer passes the verifier ('' and stopped otherwise)."""
        if self.stopped:
            return ""
        if not self.text.strip():
            self.stopped = "empty reply"
            return ""
        bad = self._problems(self.text)
        if bad:
            self.stopped = f"not grounded: {bad}"
            return ""
        out = self.text[self.released:]
        self.released = len(self.text)
        return out


# --- phrasing ---------------------------------------------------------------------------------------

PROMPT_QUESTION_CHARS = 300


def _sentence(c: Candidate, spans: list[Span], chars: int) -> str:
    """The cited sentence, cut to `chars` around its picked spans."""
    q = c.quote
    if len(q) <= chars:
        return q
    a = max(0, min((s.start for s in spans), default=0) - chars // 3)
    return ("…" if a else "") + q[a:a + chars].strip() + "…"


_FIGURE_RE = re.compile(r"\d+(?:[.,/–-]\d+)*(?:st|nd|rd|th)?")


_PREPOSITION_EN = re.compile(r"(?i)\b(?:in|of|on|by|for|during|since|from|to|at|until|before|after)\s+$")
_UNIT_VI = re.compile(r"(?i)\b(?:năm|ngày|tháng|quý|kỳ)\s+$")


def _unsaid(before: str, kind: str, lang: str) -> str:
    """What stands for a year or date left out, after `before`: "that year" after an English
    preposition, "đó" after a Vietnamese "năm"/"ngày", else nothing."""
    if lang == "vi":
        return "đó" if _UNIT_VI.search(before) else ""
    if kind and _PREPOSITION_EN.search(before):
        return "that year" if kind == "year" else "that day"
    return ""


def stateable_question(question: str, grounded: list[str], cited: list[str], lang: str = "en") -> str:
    """The question as the phrasing prompt shows it: each year, date, figure and name the gate would
    refuse in an answer (one no cited sentence states) said without it ("in that year", "năm đó", or left
    out). An answer restates its question ("In the first half of 2022, …"); shown a year the sources
    do not give, the model wrote it and the gate refused the answer (7 of 12 refused drafts,
    evals/stream_bench.py --drafts); shown a gap ("…"), it filled in a year of its own."""
    cuts = [(a, b, "date") for a, b, *_ in dates_in(question)]
    cuts += [(m.start(), m.end(), "year" if re.fullmatch(r"(?:19|20)\d\d", m.group(0)) else "")
             for m in _FIGURE_RE.finditer(question) if not any(a <= m.start() < b for a, b, _ in cuts)]
    for a, b, kind in sorted(cuts, reverse=True):
        v = verify_answer(question[a:b], grounded, cited, [question[a:b]])
        if v.missing_numbers or v.missing_codes:
            a -= len(re.search(r"[/–-]*$", question[:a]).group(0))  # "quý III/2022" -> "quý III"
            question = question[:a] + _unsaid(question[:a], kind, lang) + question[b:]
    for name in name_like_runs(question):  # "(Báo Quảng Nam)" where no cited sentence names Quảng Nam
        paren = re.search(rf"\s*\([^()]*{re.escape(name)}[^()]*\)", question)
        if paren and verify_answer(name, grounded, cited, [name]).missing_names:
            question = question.replace(paren.group(0), "")  # an aside; a name in the sentence stays (cut, it left "opened by")
    question = re.sub(r"\(\s*\)|\s+(?:on|at|by)\s+(?=[?,.])", "", question)
    return re.sub(r"\s+([,?.)])", r"\1", re.sub(r"\s{2,}", " ", question)).strip()


def phrase_messages(info: QuestionInfo, picked: list[tuple[Candidate, list[Span]]], settings: "Settings",
                    question: str | None = None) -> list[dict]:
    """The phrasing prompt; `question` as shown (stateable_question of the question by default)."""
    from ..prompts import render

    cfg = settings.answer
    lang = info.lang
    if question is None:
        question = stateable_question(info.question[:PROMPT_QUESTION_CHARS], *grounds_of(info.question, picked), lang)
    sentences = [_sentence(c, spans, cfg.phrase_sentence_chars) for c, spans in picked]
    items = [{"value": render_span(s) if lang == "en" else s.text, "label": "" if lang == "en" else s.label}
             for _, spans in picked for s in spans]
    system, _ = render(settings, "answer_phrase_system")
    user, _ = render(settings, "answer_phrase", question=question, language=LANGUAGE[lang],
                     sentences=sentences, items=items)
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


_SENTENCE_END = re.compile(r"[.!?…](?=\s)|\n")


def enough(text: str, sentences: int) -> int:
    """Where the text should end when it has written `sentences` sentences (or a line break after
    some text): the offset after the last allowed stop, else 0 (go on)."""
    n = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group(0) == "\n" and not text[:m.start()].strip():
            continue
        n += 1
        if n >= sentences or m.group(0) == "\n":
            return m.end() if m.group(0) != "\n" else m.start()
    return 0


def _tidy(text: str) -> str:
    """The reply as an answer: one paragraph, no surrounding quotes or markup."""
    text = re.sub(r"\s+", " ", text).strip().strip("*`\"“”")
    return text.strip()


def phrase_stream(info: QuestionInfo, picked: list[tuple[Candidate, list[Span]]], fallback: Answer, *,
                  settings: "Settings", llm: "LLM") -> Iterator[Delta | Final]:
    """Stream the model's phrasing through the gate; end with Final (phrased, or the fallback)."""
    from ..errors import ToolkitError

    t0 = time.perf_counter()
    grounded, cited = grounds_of(info.question, picked)
    shown = stateable_question(info.question[:PROMPT_QUESTION_CHARS], grounded, cited, info.lang)
    allowed = list(TEMPLATE_WORDS) + [render_span(s) for _, spans in picked for s in spans] + [info.question, shown]
    if info.lang == "en":
        allowed += english_forms(info.question)
    gate = Gate(grounded, cited, allowed)
    timings: dict[str, float] = {}
    stream = None
    try:
        stream = llm.stream(phrase_messages(info, picked, settings, shown), max_tokens=settings.answer.phrase_max_tokens)
        for piece in stream:
            timings.setdefault("first_token_s", time.perf_counter() - t0)
            out = gate.feed(piece)
            if gate.stopped:
                break
            if out:
                timings.setdefault("first_release_s", time.perf_counter() - t0)
                yield Delta(out)
            if enough(gate.text, settings.answer.phrase_sentences):
                gate.text = gate.text[:enough(gate.text, settings.answer.phrase_sentences)]
                break
    except ToolkitError as e:
        gate.stopped = f"model failed: {e}"
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()
    rest = gate.close() if not gate.stopped else ""
    timings["total_s"] = time.perf_counter() - t0
    if gate.stopped:
        yield Final(fallback, phrased=False, stopped=gate.stopped, timings=timings, draft=gate.text)
        return
    if rest:
        yield Delta(rest)
    text = _tidy(gate.text)
    answer = fallback.model_copy(update={"answer": text, "route": "phrased",
                                         "latency_s": round(fallback.latency_s + timings["total_s"], 3)})
    yield Final(answer, phrased=True, timings=timings, draft=gate.text)
