"""Grounded answer spans of a sentence: figures with their unit and the words before them, person
names with the title next to them, dates, document codes. Every span is an exact slice of the
sentence, so whatever an answer says about it can be checked against the source."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..vi.codes import find_codes, find_doc_numbers
from ..vi.number_spans import find_numbers
from ..vi.text import fold, strip_marks, syllables
from ..vi.names import person_names, title_after, title_before

SpanKind = str  # "number" | "person" | "date" | "code"

_CLAUSE_BREAK = re.compile(r"[,;:()“”\"]|\s(?:và|trong đó|đồng thời|với)\s")


@dataclass
class Span:
    kind: SpanKind
    start: int  # offsets in the sentence
    end: int
    text: str  # the span as written (a number with its unit; a name)
    label: str = ""  # words before a figure in its clause; a person's title
    values: tuple[float, ...] = ()  # numbers only
    date: tuple[int, int, int | None] | None = None  # dates only: (day, month, year)

    def key(self) -> str:
        return f"{self.kind}:{self.start}:{self.end}"


def _label_before(sentence: str, start: int, max_syllables: int = 7) -> str:
    """The words of the figure's own clause before it ("kết nạp mới" of "kết nạp mới 87 đảng viên")."""
    head = sentence[:start]
    cut = 0
    for m in _CLAUSE_BREAK.finditer(head):
        cut = m.end()
    words = head[cut:].split()
    tail = words[-max_syllables:]
    # a label is words: it starts after the last number in it ("Trong 10 tháng kết nạp" -> "kết nạp")
    last_num = max((i for i, w in enumerate(tail) if any(ch.isdigit() for ch in w)), default=-1)
    return " ".join(tail[last_num + 1:]).strip(" ,;:-–")


def _title_near(sentence: str, a: int, b: int) -> str:
    """The title written right after the name (", Bí thư Tỉnh ủy") or right before it (the names
    module's one title reader, which stops at a role verb: "..., Chủ tịch HĐND huyện khai mạc")."""
    title = title_after(sentence, b)[0]
    if title:
        return title
    title = title_before(sentence, a)[0]
    return title if len(title.split()) <= 12 else ""


def _code_before(sentence: str, start: int) -> str:
    """The code of the document a date belongs to ("Nghị quyết số 48-NQ/TU, ngày 15-11-2021": a code
    is followed by its date of issue, a fact of the genre), or "" for the date of an event. A date
    span's label holds it."""
    head = sentence[max(0, start - 40):start]
    codes = [(a, b, c) for a, b, c in find_codes(head)] + [(a, b, head[a:b]) for a, _, b, _ in find_doc_numbers(head)]
    codes.sort()
    if codes and re.fullmatch(r"[\s,(]*(ngày\s*)?", head[codes[-1][1]:], re.I):
        return codes[-1][2]
    return ""


def spans_of(sentence: str, question_numbers: list[set[float]] | None = None) -> list[Span]:
    """Every span of the sentence, in text order. Figures the question itself states are left out
    (they say which figure is asked, not the answer)."""
    qn = question_numbers or []
    out: list[Span] = []
    for ns in find_numbers(sentence):
        if ns.kind == "date":
            # the cue word before a bare day/month ("ngày 03/01") keeps the span readable as a date
            cue = re.search(r"(?:ngày|sáng|chiều|tối|trưa|đêm)\s+(?:ngày\s+)?$", sentence[max(0, ns.start - 16):ns.start], re.I)
            a = ns.start - len(cue.group(0)) if cue else ns.start
            out.append(Span("date", a, ns.end, sentence[a:ns.end], date=(ns.day or 0, ns.month or 0, ns.year),
                            label=_code_before(sentence, a)))
        elif ns.kind == "code" and re.search(r"[A-ZĐ]", ns.raw):
            out.append(Span("code", ns.start, ns.end, ns.raw, label=_label_before(sentence, ns.start, 3)))
        elif ns.kind == "code":  # a document cited by kind and number: the span reads "Quyết định 140"
            a = next((k for k, n, _, _ in find_doc_numbers(sentence) if n == ns.start), ns.start)
            out.append(Span("code", a, ns.end, sentence[a:ns.end], label=_label_before(sentence, a, 3)))
        elif ns.is_figure:
            if ns.start >= 2 and sentence[ns.start - 1] in "-–" and sentence[ns.start - 2].isalpha():
                continue  # part of a name such as COVID-19
            if re.match(r"\s*(tháng|quý)\b", sentence[ns.end:ns.end + 8], re.I):
                continue  # "6 tháng đầu năm", "9 tháng": the period's name, not a figure
            if re.search(r"(?:19|20)\d\d-$", sentence[max(0, ns.start - 5):ns.start]):
                continue  # the month of a year-month stamp (2022-12)
            vals = (ns.value,) if ns.target is None else (ns.value, ns.target)
            if any(ns.value in q for q in qn):
                continue  # a whole the question names ("of its 19 targets") leaves the part of "18/19" to answer

            end = ns.end
            unit = ns.unit
            if unit and unit != "%":
                pos = sentence.find(unit, ns.end)
                if 0 <= pos - ns.end <= 2:
                    end = pos + len(unit)
            text = sentence[ns.start:end]
            out.append(Span("number", ns.start, end, text, label=_label_before(sentence, ns.start), values=vals))
    for a, b in person_names(sentence):
        out.append(Span("person", a, b, sentence[a:b], label=_title_near(sentence, a, b)))
    out.sort(key=lambda s: s.start)
    return out


def span_relevance(span: Span, sentence: str, term_alts: list[tuple[str, ...]], weights: list[float], focus: tuple[str, ...]) -> float:
    """How well the words around a span match the question: weighted share of question terms in
    the span's label and the few words after it (its unit and noun), plus the counted thing."""
    if span.kind != "number":
        ctx = sentence[max(0, span.start - 60): span.end + 60]
    else:
        ctx = span.label + " " + sentence[span.start: span.end + 30]
    joined = " " + " ".join(syllables(ctx)) + " "
    total = sum(weights) or 1.0
    got = sum(w for alts, w in zip(term_alts, weights) if any(f" {a} " in joined for a in alts))
    score = got / total
    if focus and span.kind == "number":
        after = fold(sentence[span.start: span.end + 30])
        if any((f == "%" and "%" in span.text) or (f != "%" and f in " ".join(syllables(after))) for f in focus):
            score += 0.5
    return score


def plain(s: str) -> str:
    return strip_marks(fold(s))
