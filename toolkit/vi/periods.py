"""Periods, years and roles as reports and questions name them (facts of the genre).

    years_in(text) -> {2023, ...}         periods_in(text) -> {'m9', 'q3', ...}
    roles_asked(question) -> ['chair', ...]
    period_gate(years, periods, target, sentence, before, title) -> True when the text's own
        year or period contradicts the asked one (the sentence cannot answer)
"""

from __future__ import annotations

import re

from ..textnorm import fold, strip_marks

_YEAR_RE = re.compile(r"(?<![\d/.,-])((?:19|20)\d{2})(?!\d)(?![/.,-]\d)")


def years_in(text: str) -> set[int]:
    """Years written in a text (not inside dates such as 19/12/2022, whose year is also kept)."""
    out = {int(y) for y in _YEAR_RE.findall(text)}
    out |= {int(y) for y in re.findall(r"\d{1,2}[/.-]\d{1,2}[/.-]((?:19|20)\d{2})\b", text)}
    out |= {int(y) for y in re.findall(r"\b[IV]{1,3}/((?:19|20)\d{2})\b", text)}
    return out


# (period key, pattern on strip_marks(fold(text))): facts of how reports name their period.
_PERIODS = [
    ("m6", r"\b6 thang( dau nam)?\b|\bsau thang\b|\bfirst (half|six months)\b|\bsix months\b|\bmid-?(year|20\d\d)\b|\bnua dau nam\b"),
    ("m9", r"\b9 thang\b|\bchin thang\b|\bnine months\b"),
    ("m10", r"\b10 thang\b|\bten months\b"),
    ("m11", r"\b11 thang\b|\beleven months\b"),
    ("q1", r"\bquy (i|1)\b|\bfirst quarter\b|\bq1\b"),
    ("q2", r"\bquy (ii|2)\b|\bsecond quarter\b|\bq2\b"),
    ("q3", r"\bquy (iii|3)\b|\bthird quarter\b|\bq3\b"),
    ("q4", r"\bquy (iv|4)\b|\bfourth quarter\b|\bq4\b"),
]


def periods_in(text: str) -> set[str]:
    """Sub-year periods a text names ('6 tháng đầu năm' -> 'm6', 'quý III' -> 'q3')."""
    pl = strip_marks(fold(text))
    return {key for key, pat in _PERIODS if re.search(pat, pl)}


# role -> (asked in a question, stated in a sentence), on strip_marks(fold(text))
ROLE_CUES = {
    "chair": (r"\bchu tri\b|\bchair(ed|s|man|woman|ing)?\b|\bpresid(ed|es|ing)\b", r"\bchu tri\b"),
    "head": (r"\btruong doan\b|\bdan dau\b|\bhead(ed|s)?\b|\bled\b|\blead(s|ing)?\b", r"\btruong doan\b|\bdan dau\b|\blam truong doan\b"),
    "attend": (r"\bdu\b|\btham du\b|\battend(ed|s|ing|ance)?\b", r"\bdu\b|\btham du\b"),
    "speak": (r"\bphat bieu\b|\bspo?ke\b|\bspeak(s|ing)?\b|\baddress(ed)?\b|\bspeech\b", r"\bphat bieu\b"),
    "present": (r"\btrao\b|\bpresent(ed|s)?\b|\baward(ed|s)?\b|\bhand(ed)? over\b|\btrinh bay\b", r"\btrao\b|\btrinh bay\b"),
    "elect": (r"\bbau\b|\belected\b|\bre-?elected\b|\bchi dinh\b|\bappointed\b", r"\bbau\b|\btai dac cu\b|\bchi dinh\b"),
    "receive": (r"\btiep\b|\breceived\b|\bhosted\b|\blam viec voi\b", r"\btiep\b|\blam viec\b"),
}


def roles_asked(question: str) -> list[str]:
    """The roles a who-question names (chair, head, attend, speak, present, elect, receive)."""
    q = strip_marks(fold(question))
    return [role for role, (ask_re, _) in ROLE_CUES.items() if re.search(ask_re, q)]


# a year written as the comparison base ("so với năm 2022", "cùng kỳ năm 2022", "compared with 2022")
# is not the period the sentence reports
_COMPARE_YEAR = re.compile(r"\b(?:so với|cùng kỳ|compared (?:with|to)|than(?: in)?|from|từ)\s+(?:cùng kỳ\s+)?(?:năm\s+|in\s+)?(?:19|20)\d{2}(?!\d)", re.I)
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s?[-–—]\s?((?:19|20)\d{2})(?!\d)")
_WHOLE_YEAR = re.compile(r"\bca nam\b|\bfull[- ]year\b|\bwhole year\b|\bthe year as a whole\b")


def own_years(text: str) -> set[int]:
    """Years a text reports on: those written, minus ranges (2020-2025, a term) and comparison bases."""
    return years_in(_COMPARE_YEAR.sub(" ", _RANGE.sub(" ", text)))


def period_gate(years: set[int], periods: set[str], target: bool, sentence: str, before: str = "", title: str = "",
                published_year: int | None = None) -> bool:
    """True when the sentence cannot answer a question asked about `years` / `periods`: the
    first of (sentence, the paragraph before it) that names a year names none of the asked
    ones, or, when neither does, the title's and the dateline's years (and the year before each,
    which a review meeting reports on) hold none of them (targets may look ahead: not
    checked); the first that names a sub-year period names none of the asked ones; a whole year is asked and the sentence reports a sub-year period (unless a target is asked, or the sentence
    also speaks of the whole year)."""
    if not years and not periods:
        return False
    if years:
        named = next((ys for ys in map(own_years, (sentence, before)) if ys), None)
        if named is None and not target:  # a report speaks of its own year, or reviews the one before
            base = own_years(title) | ({published_year} if published_year else set())
            named = {y - k for y in base for k in (0, 1)} or None
        if named is not None and not (named & years):
            return True
    if periods:
        named_p = next((ps for ps in map(periods_in, (sentence, before, title)) if ps), None)
        if named_p is not None and not (named_p & periods):
            return True
    elif years and not target:
        if periods_in(sentence) and not _WHOLE_YEAR.search(strip_marks(fold(sentence))):
            return True
    return False


_WHO = r"(?:^|[\s,;:(])(?:ai|who|do ai|boi ai)\s+(?:(?:da|la|duoc|se|was|were|has|had|is)\s+)?"


def role_of_who(question: str) -> str | None:
    """The role a who-question asks about: the role verb right after its who-word ('Ai chủ trì
    ...' -> 'chair', 'Who led the delegation' -> 'head'); None when the who-word is followed by
    no role verb (a role named elsewhere in the question is context, not the asked one)."""
    q = strip_marks(fold(question))
    for m in re.finditer(_WHO, q):
        after = q[m.end(): m.end() + 30]
        for role, (ask_re, _) in ROLE_CUES.items():
            hit = re.match(rf"(?:{ask_re})", after)
            if hit:
                return role
    return None


def states_role(role: str, sentence: str) -> bool:
    """The sentence states the role with its own verb ('chủ trì', 'làm trưởng đoàn')."""
    return bool(re.search(ROLE_CUES[role][1], strip_marks(fold(sentence))))
