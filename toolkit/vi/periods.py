"""Periods, years and roles as reports and questions name them (facts of the genre): the one period reader.

Two uses share it:
- the reader's gate (toolkit/answer, toolkit/vi/question): which years and sub-year periods a text names,
      years_in(text) -> {2023, ...}         periods_in(text) -> {'m9', 'q3', ...}
      period_gate(years, periods, target, sentence, before, title) -> True when the text's own
          year or period contradicts the asked one (the sentence cannot answer)
      roles_asked(question) -> ['chair', ...]
- follow-up questions, filters and the targets timeline (toolkit/conversation, filters, targets, ui):
  a period phrase found in a text and read into a comparable key,
      find_periods(text) -> [(phrase, start, end)]   period_key("6 tháng đầu năm 2022") -> (2022, 'm6')
      within((2022, 'm6'), (2022, 'year')) -> True   period_label((2022, 'q2')) -> 'quý II/2022'

A year is 19xx or 20xx (`_Y`); quarters are written 'quý I'..'quý IV', 'quý 1'..'quý 4', 'Q1', 'the first
quarter' (`_ROMAN`, `_ORD`).
"""

from __future__ import annotations

import re

from .text import fold, strip_marks

_Y = r"(?:19|20)\d{2}"

_YEAR_RE = re.compile(rf"(?<![\d/.,-])({_Y})(?!\d)(?![/.,-]\d)")


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
    "open": (r"\bkhai mac\b|\bopen(ed|s|ing)?\b", r"\bkhai mac\b"),
    "direct": (r"\bchi dao\b|\bdirect(ed|s|ing)?\b|\bgave directions?\b", r"\bchi dao\b"),
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


# a sentence that sets a target: its words ("phấn đấu", "dự kiến", "trở lên"), or a plan noun
# ("chỉ tiêu đề ra", "mục tiêu", "kế hoạch năm 2024") unless it follows a verb of achievement, which
# reports a result measured against the target ("vượt chỉ tiêu đề ra", "đạt 110% kế hoạch năm 2024")
_TARGET_MARKS = re.compile(r"trở lên|phấn đấu|ít nhất|tối thiểu|dự kiến", re.I)
_PLAN_NOUNS = re.compile(r"mục tiêu|chỉ tiêu đề ra|kế hoạch năm (?:19|20)\d\d", re.I)
_ACHIEVED = re.compile(r"(?:vượt|đạt|hoàn thành|so với|bằng)(?:\s+\S+){0,2}\s*$", re.I)


_EFFORT = re.compile(r"(?:\bsự|nỗ lực|tinh thần|quyết tâm)\s+$", re.I)  # "sự nỗ lực phấn đấu của nhân dân": effort, a noun


def sets_target(sentence: str) -> bool:
    """Whether a sentence states a target (what is aimed at) rather than only a result."""
    for m in _TARGET_MARKS.finditer(sentence):
        effort = m.group(0).lower() == "phấn đấu" and (
            _EFFORT.search(sentence[max(0, m.start() - 20):m.start()]) or re.match(r"\s+của\b", sentence[m.end():]))
        if not effort:
            return True
    return any(not _ACHIEVED.search(sentence[max(0, m.start() - 40):m.start()]) for m in _PLAN_NOUNS.finditer(sentence))


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
        before = q[max(0, m.start() - 30): m.start() + 1]
        for role, (ask_re, _) in ROLE_CUES.items():
            if re.search(rf"(?:{ask_re})\s*$", before.rstrip()):
                return role  # "chỉ định ai": the person the verb before the who-word acts on (its object)
    return None


def states_role(role: str, sentence: str) -> bool:
    """The sentence states the role with its own verb ('chủ trì', 'làm trưởng đoàn')."""
    return bool(re.search(ROLE_CUES[role][1], strip_marks(fold(sentence))))


# --- period phrases and their keys (follow-ups, filters, targets) ---------------------------------

PERIOD_RE = re.compile(
    rf"(?:\d{{1,2}}|sáu|chín|mười)\s+tháng\s+(?:đầu|cuối)\s+năm(?:\s+{_Y})?"
    rf"|quý\s+(?:IV|I{{1,3}}|[1-4])(?:\s*(?:/|-|–|năm)\s*{_Y})?"
    rf"|(?:nhiệm\s+kỳ|giai\s+đoạn)\s+{_Y}\s*[-–]\s*{_Y}"
    rf"|(?:the\s+)?(?:first|last)\s+(?:half|six\s+months|nine\s+months|\d{{1,2}}\s+months)(?:\s+of\s+(?:the\s+year\s+)?{_Y})?"
    rf"|(?:the\s+)?(?:first|second|third|fourth)\s+quarter(?:\s+of\s+{_Y})?|Q[1-4][\s/-]*{_Y}"
    rf"|(?:the\s+)?{_Y}\s*[-–]\s*{_Y}\s+term"
    rf"|năm\s+{_Y}|(?<![\d/.,-]){_Y}(?![\d])",
    re.IGNORECASE,
)

_WORD_NUM = {"sau": 6, "chin": 9, "muoi": 10, "six": 6, "nine": 9}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4}

PeriodKey = tuple[int, str]


def find_periods(text: str) -> list[tuple[str, int, int]]:
    """Every period phrase in text: (phrase, start, end)."""
    return [(m.group(0), m.start(), m.end()) for m in PERIOD_RE.finditer(text or "")]


def period_key(text: str | None) -> PeriodKey | None:
    """The (year, part) a period phrase names; part is 'year', 'm6' (first 6 months), 'q2',
    'term2025'; None when no year is written."""
    if not text:
        return None
    p = strip_marks(fold(text))
    if m := re.search(rf"(?:nhiem ky|giai doan)?\s*({_Y})\s*[-–]\s*({_Y})", p):
        return int(m.group(1)), f"term{m.group(2)}"
    years = re.findall(rf"(?<!\d){_Y}(?!\d)", p)
    if not years:
        return None
    year = int(years[-1])
    if m := re.search(r"\b(\d{1,2}|sau|chin|muoi|six|nine)\s+(?:thang|months)\b", p):
        n = int(m.group(1)) if m.group(1).isdigit() else _WORD_NUM[m.group(1)]
        if "cuoi" in p or "last" in p:
            return year, f"last{n}"
        return year, ("year" if n == 12 else f"m{n}")
    if re.search(r"\b(?:first half|nua dau nam)\b", p):
        return year, "m6"
    if m := re.search(r"\bquy\s+(iv|i{1,3}|[1-4])\b", p):
        q = m.group(1)
        return year, f"q{int(q) if q.isdigit() else _ROMAN[q]}"
    if m := re.search(r"\b(first|second|third|fourth) quarter\b|\bq([1-4])\b", p):
        return year, f"q{_ORD[m.group(1)] if m.group(1) else int(m.group(2))}"
    return year, "year"


def within(inner: PeriodKey, outer: PeriodKey) -> bool:
    """inner lies inside outer (the first 6 months of 2022 inside the year 2022)."""
    if inner == outer:
        return True
    return inner[0] == outer[0] and outer[1] == "year" and not inner[1].startswith("term")


def period_label(key: PeriodKey | None, lang: str = "vi") -> str:
    """A readable period: (2022, 'm6') -> '6 tháng đầu năm 2022' / 'first 6 months of 2022'."""
    if key is None:
        return "(chưa rõ kỳ)" if lang == "vi" else "(period not stated)"
    year, part = key
    if part == "year":
        return f"năm {year}" if lang == "vi" else str(year)
    if part.startswith("term"):
        return f"nhiệm kỳ {year}-{part[4:]}" if lang == "vi" else f"{year}-{part[4:]} term"
    if part.startswith("q"):
        roman = {v: k.upper() for k, v in _ROMAN.items()}[int(part[1:])]
        return f"quý {roman}/{year}" if lang == "vi" else f"Q{part[1:]} {year}"
    if part.startswith("last"):
        return f"{part[4:]} tháng cuối năm {year}" if lang == "vi" else f"last {part[4:]} months of {year}"
    return f"{part[1:]} tháng đầu năm {year}" if lang == "vi" else f"first {part[1:]} months of {year}"
