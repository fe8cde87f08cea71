"""Answers: every number, date, name and code in an answer is a picked span lying in a cited sentence,
and nothing of substance is said that the spans do not carry."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..vi.dates import dates_in
from ..vi.number_spans import find_numbers
from ..vi.text import fold, locate, strip_marks
from .core import _DIGITS_RE, Verdict, _name_candidates, unsupported_names, unsupported_numbers


# --- answers ---------------------------------------------------------------------------------

_ANSWER_CODE_RE = re.compile(r"(?<![\w/-])\d{1,5}-[A-ZĐ][A-Za-zĐđ]{0,5}(?:/[A-ZĐ][A-Za-zĐđ]{0,6})*(?![\w/])")
_WORD_RE = re.compile(r"[^\W\d_]+")
# English and Vietnamese function words: they carry no fact of their own.
_FUNCTION_WORDS = frozenset(
    """a an the of in on at to for from by with and or as is are was were be been being it its this that these
    those there their they he she his her which who whom whose what when where while than then also both each
    per about over under into out up total some all any no not only more less most least new had has have did
    do does said says say according source reports report gives given named names date dated
    và của là có được các những một cho với tại trong trên theo đã""".split()
)


def _words(s: str) -> set[str]:
    return {strip_marks(fold(w)) for w in _WORD_RE.findall(s or "")}


def verify_answer(text: str, picked: Sequence[str], cited: Sequence[str], allowed_words: Sequence[str] = ()) -> Verdict:
    """An answer is accepted only when every number, date, name and document code in it is one of
    the picked spans, every picked span lies in a cited sentence, and every other content word is
    carried by the picked spans, the cited sentences or `allowed_words` (the glossary's English
    rendering of them, the answer template). A fluent sentence with the paragraph's wrong figure,
    or a sentence of substance the spans do not carry, is refused."""
    problems = [f"picked span not in a cited sentence: {p!r}" for p in picked
                if not any(locate(c, p) is not None for c in cited)]
    # dates are compared by day and month (an English answer writes "3 January" for "03/01")
    picked_dm = {(n.day, n.month) for p in picked for n in find_numbers(p) if n.kind == "date"}
    picked_dm |= {(d, m) for p in picked for _, _, _, (d, m, _) in dates_in(p)}
    for a, b, _, (d, m, _) in reversed(dates_in(text)):
        if (d, m) in picked_dm:
            text = text[:a] + " " + text[b:]
    nums = unsupported_numbers(text, list(picked)) if picked else [m.group(0) for m in _DIGITS_RE.finditer(text)]
    names = unsupported_names(text, list(picked)) if picked else _name_candidates(text)
    codes = [c for c in _ANSWER_CODE_RE.findall(text) if not any(c in p for p in picked)]
    carried = _words(" ".join(picked)) | _words(" ".join(cited)) | _words(" ".join(allowed_words)) | _words(" ".join(_FUNCTION_WORDS))
    extra = sorted(w for w in _words(text) - carried if len(w) > 1)
    ok = not (problems or nums or names or codes or extra)
    return Verdict(ok=ok, missing_numbers=nums, missing_names=names, missing_codes=codes, unsupported_words=extra,
                   problems=problems)
