"""The parts of a question that asks several things at once, each made a question of its own.

    split_parts("Năm 2021, xã A kết nạp bao nhiêu đảng viên và làm được bao nhiêu mét đường?")
      -> ["Năm 2021, xã A kết nạp bao nhiêu đảng viên",
          "làm được bao nhiêu mét đường (Năm 2021; xã A)"]        (the context in brackets)

A part starts where a clause joined by "và" / "and" / a comma holds its own question cue (a
number, date, person or document cue of the question's language: the same cue tables that set
the answer type). Every part after the first carries the question's context: the names (runs of
capitalised syllables), the years and the period words, so that each part is read against the
same body, place and period. A question with one cue, or whose cues share one clause, is one part.
"""

from __future__ import annotations

import re

from .question import CUES, _plain, detect_language
from .terms import name_runs

# separators between two asked clauses, strongest first (a list inside one clause uses commas)
_SEPARATORS = {
    "vi": (re.compile(r"\s(va|con)\s"), re.compile(r";\s"), re.compile(r",\s")),
    "en": (re.compile(r",\s(and|while)\s"), re.compile(r"\s(and)\s"), re.compile(r";\s"), re.compile(r",\s")),
}
_PERIOD_WORDS = re.compile(r"(\d+ tháng (đầu|cuối) năm|quý [IV]+|nhiệm kỳ \d{4}\s*[-–]\s*\d{4}|first (half|six months|nine months)|"
                           r"(the )?\d{4}\s*[-–]\s*\d{4} term|in \d{4}|năm \d{4})", re.I)
_LEAD = re.compile(r"^\s*(và|còn|and|while|,|;)\s*", re.I)


def _cues(plain: str, lang: str) -> list[re.Match]:
    date_re, person_re, code_re, _, _, num_re = CUES[lang]
    found = [m for r in (num_re, date_re, person_re, code_re) for m in r.finditer(plain)]
    found.sort(key=lambda m: (m.start(), -m.end()))
    out: list[re.Match] = []
    for m in found:  # overlapping cues ("what share" inside "what share of members") count once
        if out and m.start() < out[-1].end():
            continue
        out.append(m)
    return out


def _cut(plain: str, a: int, b: int, lang: str) -> int | None:
    """Where the clause of the cue ending at a ends, before the cue starting at b (None: one clause)."""
    for sep in _SEPARATORS[lang]:
        last = None
        for m in sep.finditer(plain, a, b):
            last = m
        if last is not None:
            return last.start()
    return None


def context_of(question: str) -> str:
    """The names, years and period words of the question, to carry into each of its parts."""
    bits = [t.source for t in name_runs(question)]
    bits += [m.group(0) for m in _PERIOD_WORDS.finditer(question)]
    bits += [y for y in re.findall(r"\b(?:19|20)\d\d\b", question) if not any(y in b for b in bits)]
    return "; ".join(dict.fromkeys(bits))


# Coordinated things under one cue: "how many A and B did …", "what A and B did …", "bao nhiêu A và B …",
# "A và B của … là bao nhiêu". Each conjunct is a lower-case noun phrase of up to six words.
_W = r"[^\W\d_][\w’'-]*"
_EN_COORD = re.compile(rf"\b(?:how many|how much|what|which)\s+((?:{_W}\s+){{0,5}}?{_W})\s+and\s+((?:{_W}\s+){{0,5}}?{_W})"
                       r"(?=\s+(?:did|does|do|was|were|is|are|has|have|had|will|would|could|can)\b)", re.I)
_EN_NOT_NP = frozenset("what which who whom how when where why did does do was were is are has have had the a an "
                       "of in at for to by on with from".split())
_VI_COORD_AFTER = re.compile(rf"\b(?:bao nhiêu|mấy)\s+((?:{_W}\s+){{0,5}}?{_W})\s+và\s+((?:{_W}\s+){{0,5}}?{_W})(?=\s*(?:[?,;.]|$)|\s+(?:của|trong|tại|ở|năm|so|với|được|là|đạt|theo|vào|khi)\b)")
_VI_COORD_BEFORE = re.compile(rf"((?:{_W}\s+){{0,4}}?{_W})\s+và\s+((?:{_W}\s+){{0,4}}?{_W})(?=\s+(?:của|trong|tại|ở|là|đạt)\b[^,;]*\b(?:bao nhiêu|mấy)\b)")
_VI_NOT_NP = frozenset("bao nhiêu mấy ai nào gì có là của về đạt cho biết và được đã".split())


def _np(words: str, stop: frozenset, lower: bool = True) -> bool:
    ws = words.split()
    return bool(ws) and all((w[:1].islower() or not lower) and w.lower() not in stop for w in ws)


def coordinated(question: str) -> list[str]:
    """The question asked of each of two things it joins under one cue ("how many A and B did …"
    -> "how many A did …", "how many B did …"); [question] when it joins none."""
    # an aside in brackets names context: blanked (same length) so that it neither joins nor separates
    blank = re.sub(r"\([^)]*\)", lambda a: " " * len(a.group(0)), question)
    if detect_language(question) == "en":  # English capitalises common nouns of the genre ("Party members")
        m = _EN_COORD.search(blank)
        if m and _np(m.group(1), _EN_NOT_NP, False) and _np(m.group(2), _EN_NOT_NP, False):
            return [question[:m.start(1)] + m.group(k) + question[m.end(2):] for k in (1, 2)]
        return [question]
    m = _VI_COORD_AFTER.search(blank)
    if m and _np(m.group(1), _VI_NOT_NP) and _np(m.group(2), _VI_NOT_NP):
        return [question[:m.start(1)] + m.group(k) + question[m.end(2):] for k in (1, 2)]
    for m in _VI_COORD_BEFORE.finditer(blank):
        # the first conjunct starts after the clause's last capitalised or function word
        words = m.group(1).split()
        keep = len(words)
        while keep and words[keep - 1][:1].islower() and words[keep - 1] not in _VI_NOT_NP:
            keep -= 1
        first = " ".join(words[keep:])
        if first and _np(m.group(2), _VI_NOT_NP):
            a = m.end(1) - len(first)
            return [question[:a] + first + question[m.end(2):], question[:a] + m.group(2) + question[m.end(2):]]
    return [question]


def split_parts(question: str, max_parts: int = 3) -> list[str]:
    """The question's asked parts as questions of their own (one element: not a multi-part question)."""
    lang = detect_language(question)
    plain = _plain(question)
    if len(plain) != len(question):
        return [question]
    cues = _cues(plain, "en" if lang == "en" else "vi")
    if len(cues) == 1:
        return coordinated(question)[:max_parts]
    cuts = []
    for left, right in zip(cues, cues[1:]):
        at = _cut(plain, left.end(), right.start(), "en" if lang == "en" else "vi")
        if at is not None:
            cuts.append(at)
    if not cuts:
        return [question]
    cuts = cuts[: max_parts - 1]
    bounds = [0] + cuts + [len(question)]
    pieces = [question[a:b].strip() for a, b in zip(bounds, bounds[1:])]
    pieces = [_LEAD.sub("", p).strip(" ?.,;") for p in pieces]
    if any(len(p.split()) < 2 for p in pieces):
        return [question]
    context = context_of(question)
    out = [pieces[0]]
    for p in pieces[1:]:
        missing = "; ".join(b for b in context.split("; ") if b and b.lower() not in p.lower())
        out.append(f"{p} ({missing})" if missing else p)
    return out


# a question that compares bodies or places, or asks the same thing of each ("lần lượt", "respectively")
_COMPARE = re.compile(r"\b(so sanh|compare|comparison|lan luot|moi noi|respectively|each of|both figures)\b"
                      r"|\b(nao|ai) (cao|nhieu|lon|thap|it|nho) hon\b|\bwhich\b[^?]{0,40}\b(more|higher|larger|bigger|fewer|lower|less)\b")


def is_comparison(question: str) -> bool:
    """True when the question asks the same figure of two or more bodies or places to set them side
    by side (each is then answered from its own document)."""
    return bool(_COMPARE.search(_plain(question)))
