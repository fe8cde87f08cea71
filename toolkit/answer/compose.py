"""Answer text in the question's language, composed from the chosen sentences' grounded spans.

Vietnamese: the answering sentence(s), cut to max_words around the answer. English: an English
sentence built only from picked spans (figures in English notation with their unit and label
rendered through the glossary, names with diacritics and their title, dates, codes); the
Vietnamese quote stays in the citation as evidence and never stands as the answer.
"""

from __future__ import annotations

import re

from ..vi.english import plural
from ..vi.glossary import en_number, load_glossary
from ..vi.text import clause_spans, fold
from ..vi.question import QuestionInfo
from .candidates import Candidate, focus_hits
from .keys import key_spans, title_holders
from .spans import Span, span_relevance

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_WANTED_KIND = (("code", "code"), ("date", "date"), ("person", "person"), ("title", "person"), ("number", "number"))
EN_LEADS = {
    "number": "According to the source, {items}.",
    "person": "According to the source: {items}.",
    "date": "According to the source, the date is {items}.",
    "code": "According to the source: {items}.",
}
# words the English templates and renderings may add (the verifier allows them)
TEMPLATE_WORDS = frozenset("according to the source date is of and in on".split())


def wanted_kind(info: QuestionInfo) -> str | None:
    for want, kind in _WANTED_KIND:
        if want in info.wants:
            return kind
    return None


def relevant_spans(c: Candidate, info: QuestionInfo, kind: str) -> list[Span]:
    """The sentence's spans of the wanted kind that best match the question's words, best first,
    in text order; as many as the question has parts (all of them for a list)."""
    spans = [s for s in c.spans if s.kind == kind]
    if kind == "person":  # one mention per person; the holder of a title the question asks about
        spans = list({s.text: s for s in reversed(spans)}.values())[::-1]
        holders = {s.text for s in title_holders(c, info)}
        spans = [s for s in spans if s.text in holders] or spans
    if kind == "number":
        spans = [s for s in spans if not (len(s.values) == 1 and 1900 <= s.values[0] <= 2100 and float(s.values[0]).is_integer())]
    if kind == "number" and info.n_numbers == 1 and info.n_parts == 1:
        keyed = key_spans(c, info)
        if info.lang == "en":  # English words reach the sentence through the glossary: with the counted thing too
            # ("how many X": X after the figure); a measure ("what per-capita income") counts no thing
            measure = not info.focus and not re.search(r"\bhow many\b", info.question, re.I)
            keyed = [s for s in keyed if measure or (info.focus and focus_hits([s], c.quote, info))]
        if keyed:
            return keyed  # the figure the question asks for, in its own terms: not every figure of the sentence
    if kind == "date" and any(s.date and s.date[0] for s in spans):
        spans = [s for s in spans if s.date and s.date[0]]  # a day answers "what date"; "tháng 8/2019" names a period
    if not spans:
        return []
    alts = [t.alts for t in info.terms]
    weights = [t.weight for t in info.terms]
    sent = c.quote
    rel = [(span_relevance(s, sent, alts, weights, info.focus), s) for s in spans]
    top = max(r for r, _ in rel)
    need = max(info.n_parts, info.n_numbers if kind == "number" else 1)
    if "list" in info.wants or (kind == "person" and "attend" in info.roles):
        need = len(spans)
    if kind == "number":  # the sentence's figures near the question's words, as the Vietnamese answer quotes them
        need = len(spans)
    keep = sorted(rel, key=lambda x: -x[0])[:need]
    if kind != "person":  # names: as many as asked; figures and the rest: only those near the question's words
        keep = [(r, s) for r, s in keep if r >= 0.5 * top or (kind == "number" and r > 0)]
    keep = [s for _, s in keep]
    return sorted(keep, key=lambda s: s.start)


def window(c: Candidate, spans: list[Span], max_words: int) -> tuple[int, int]:
    """The sentence (offsets in the paragraph), or the run of its clauses around the spans when it
    is longer than max_words."""
    sent = c.quote
    if len(sent.split()) <= max_words:
        return c.start, c.end
    pieces = clause_spans(sent, max_chars=0) or [(0, len(sent))]
    anchor = spans[0].start if spans else 0
    i = next((k for k, (a, b) in enumerate(pieces) if a <= anchor < b), 0)
    lo = hi = i
    words = len(sent[pieces[i][0]:pieces[i][1]].split())
    while True:
        grew = False
        for nxt in (hi + 1, lo - 1):
            if 0 <= nxt < len(pieces):
                w = len(sent[pieces[nxt][0]:pieces[nxt][1]].split())
                if words + w <= max_words and (not spans or nxt > hi or pieces[nxt][1] > spans[0].start - 80):
                    lo, hi = min(lo, nxt), max(hi, nxt)
                    words += w
                    grew = True
                    break
        if not grew:
            break
    return c.start + pieces[lo][0], c.start + pieces[hi][1]


def answer_spans(c: Candidate, info: QuestionInfo) -> list[Span]:
    """The spans a Vietnamese answer centres on (those of the counted thing asked for, if any)."""
    kind = wanted_kind(info) or "number"
    spans = relevant_spans(c, info, kind)
    if kind == "number" and info.focus:  # centre on the figures of the counted thing asked for
        spans = [sp for sp in spans if focus_hits([sp], c.quote, info)] or spans
    return spans


def compose_vi(chosen: list[Candidate], info: QuestionInfo, max_words: int) -> tuple[str, list[tuple[int, int]]]:
    parts, wins = [], []
    for c in chosen:
        spans = answer_spans(c, info)
        a, b = window(c, spans, max_words)
        parts.append(c.paragraph_text[a:b].strip())
        wins.append((a, b))
    return " ".join(parts), wins


def _date_en(s: Span) -> str:
    d, m, y = s.date or (0, 0, None)
    if not (1 <= m <= 12):
        return s.text
    day = f"{d} " if d else ""  # a month-year date ("tháng 10/2021") has no day
    return f"{day}{MONTHS[m - 1]}" + (f" {y}" if y else "")


_TIME_UNITS = {"năm": "years", "tháng": "months", "ngày": "days", "tuần": "weeks", "giờ": "hours"}


def render_span(s: Span) -> str:
    """One span in English: a figure in English notation with its unit and label (through the
    glossary; words it cannot render stay as written, in quotes), a name with its title, a date."""
    g = load_glossary()
    if s.kind == "date":
        return _date_en(s)
    if s.kind == "code":
        return s.text
    if s.kind == "person":
        if not s.label:
            return s.text
        title = g.title(s.label)
        return f"{s.text} ({title})" if title else f"{s.text} («{s.label}»)"
    num = re.match(r"\d+(?:[.,]\d+)*(?:\s?/\s?\d+(?:[.,]\d+)*)?%?", s.text)
    raw = num.group(0) if num else s.text
    rest = s.text[len(raw):].strip()
    value = " / ".join(en_number(p.strip()) for p in raw.split("/")) if "/" in raw else en_number(raw)
    unit = ""
    if rest and fold(rest) in _TIME_UNITS:  # "75 năm": 75 years ("năm" before a year is "in")
        unit = _TIME_UNITS[fold(rest)] if s.values[:1] != (1.0,) else _TIME_UNITS[fold(rest)][:-1]
    elif rest:
        tr = g.translate(rest)
        ok = tr.ok and set(tr.kinds) != {"function"}  # a function word alone is no unit
        unit = tr.text if ok else f"«{rest}»"
        if ok and len(s.values) == 1 and s.values[0] != 1 and rest[:1].islower():
            unit = plural(unit)  # "54 ủy viên": 54 members
    label = ""
    if s.label:  # a label the glossary cannot render is left out: the quoted evidence carries it
        tr = g.translate(s.label)
        label = tr.text if tr.ok else ""
    return " ".join(p for p in (label + (":" if label else ""), value, unit) if p).replace(" %", "%")


def compose_en(picked: list[tuple[Candidate, list[Span]]], kind: str) -> str | None:
    seen: set[str] = set()
    items = []
    for _, spans in picked:
        for s in spans:
            key = s.text if s.kind == "person" else f"{s.label}|{s.text}"
            if key not in seen:
                seen.add(key)
                items.append(render_span(s))
    if not items:
        return None
    if len({s.kind for _, spans in picked for s in spans}) > 1:
        kind = "number"  # parts of several kinds ("how many …, and since when"): the plain lead
    return EN_LEADS[kind].format(items="; ".join(items))


def evidence_en(picked: list[tuple[Candidate, list[Span]]], max_words: int) -> tuple[str, list[tuple[int, int]]]:
    """The Vietnamese source words that carry the English answer, quoted after it as evidence (each
    sentence cut to max_words around its picked spans), and their offsets in the paragraphs."""
    quotes, wins = [], []
    for i, (c, spans) in enumerate(picked, 1):
        a, b = window(c, spans, max_words)
        quotes.append(f"[{i}] «{c.paragraph_text[a:b].strip()}»")
        wins.append((a, b))
    return "Source (Vietnamese): " + " ".join(quotes), wins
