"""Vietnamese text normalisation for matching: folding, sentence spans, locating quotes.

Every function that returns offsets returns offsets into the ORIGINAL string. `fold` and
`strip_marks` are length-preserving for NFC input, so `fold(s)[i]` corresponds to `s[i]`.
Pure Python, regexes compiled at import; no heavy imports.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "nfc",
    "fold",
    "strip_marks",
    "syllables",
    "sentence_spans",
    "clause_spans",
    "locate",
]


def nfc(s: str) -> str:
    """NFC-compose `s` (Vietnamese text from the web is often decomposed)."""
    return unicodedata.normalize("NFC", s)


# --- tone placement -------------------------------------------------------------------------

_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng


def _tone_pairs() -> dict[str, str]:
    """Old-style 'oà' -> new-style 'òa' for oa / oe / uy (two characters each, lowercase)."""
    pairs: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for t in _TONES:
            old = first + unicodedata.normalize("NFC", second + t)
            new = unicodedata.normalize("NFC", first + t) + second
            assert len(old) == 2 and len(new) == 2
            pairs[old] = new
    return pairs


_OLD_TO_NEW = _tone_pairs()
# The old->new move only applies when the pair ends the syllable (hoà, khoẻ, thuỷ); with a final
# consonant both styles put the mark on the second vowel (hoàng, khoét, huých). After 'q' the 'u'
# belongs to the consonant (quý, quỳ) and nothing moves.
_OLD_RE = re.compile(
    "(?<![q])(" + "|".join(sorted(_OLD_TO_NEW)) + r")(?![^\W\d_])"
)


def _lower_char(c: str) -> str:
    low = c.lower()
    return low if len(low) == 1 else c


def fold(s: str) -> str:
    """Matching form: lowercase + new-style tone placement (hoà->hòa, uỷ->ủy, Uỷ->ủy).

    Length-preserving for NFC input: `len(fold(s)) == len(s)` and `fold(s)[i]` corresponds to
    `s[i]`. Non-NFC input is composed first (then lengths refer to `nfc(s)`).
    """
    if not unicodedata.is_normalized("NFC", s):
        s = nfc(s)
    if s.islower():
        low = s
    else:
        # str.lower() never shortens a character, so an equal length means every character
        # lowered to exactly one (10x faster than per character); Greek final sigma is context-
        # dependent in str.lower(), so text holding 'Σ' takes the per-character path.
        low = s.lower()
        if len(low) != len(s) or "Σ" in s:
            low = "".join(_lower_char(c) for c in s)
    return _OLD_RE.sub(lambda m: _OLD_TO_NEW[m.group(1)], low)


@lru_cache(maxsize=4096)
def _strip_char(c: str) -> str:
    if c == "đ":
        return "d"
    if c == "Đ":
        return "D"
    if ord(c) < 128:
        return c
    base = unicodedata.normalize("NFD", c)[0]
    return base if base and not unicodedata.combining(base) else c


def strip_marks(s: str) -> str:
    """Remove diacritics character by character (đ->d, Đ->D, ế->e); length-preserving for NFC input."""
    if not unicodedata.is_normalized("NFC", s):
        s = nfc(s)
    if s.isascii():
        return s
    return "".join(_strip_char(c) for c in s)


# --- tokens -----------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")


def syllables(s: str) -> list[str]:
    """Folded word tokens (letters, or numbers kept whole: '6.059', '103,33')."""
    return _TOKEN_RE.findall(fold(s))


def joined(s: str) -> str:
    """The syllables space-joined and space-bounded, so that `joined(a) in joined(b)` asks whether b
    writes the phrase a, word by word."""
    return " " + " ".join(syllables(s)) + " "


# --- sentences ------------------------------------------------------------------------------

# Abbreviations that end with a dot but do not end a sentence (compared case-sensitively).
_ABBREVIATIONS = frozenset(
    """TP Tp TS ThS Th.S PGS GS BS KS CN NCS Q P TT TX H X Ths Ts Mr Mrs Ms Dr St No Nxb NXB
    Tr tr vs etc Sđd sđd đ/c Đ/c""".split()
)
_TERMINATORS = ".!?;"
_CLOSERS = "\"'”’»)]"
_WORD_BEFORE_RE = re.compile(r"([^\s(\[\"“]+)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    m = _WORD_BEFORE_RE.search(text, max(0, dot - 12), dot)
    if not m:
        return False
    word = m.group(1)
    if word in _ABBREVIATIONS:
        return True
    # A single capital letter (initial in a name: "Nguyễn V. A")
    return len(word) == 1 and word.isalpha() and word.isupper()


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def sentence_spans(text: str, semicolons: bool = True) -> list[tuple[int, int]]:
    """Split into sentences on . ! ? ; (if `semicolons`) and newlines; spans are whitespace-trimmed.

    Dots inside numbers (6.059), codes (05-CT/TW) and after abbreviations (TP., ThS., Q.) or name
    initials do not split; a terminator splits only when followed by whitespace or the end.
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    i = 0
    terms = _TERMINATORS if semicolons else ".!?"
    while i < n:
        c = text[i]
        if c == "\n":
            sp = _trimmed(text, start, i)
            if sp:
                spans.append(sp)
            start = i + 1
            i += 1
            continue
        if c in terms:
            j = i + 1
            while j < n and (text[j] in terms and text[j] != ";" or text[j] == "…"):
                j += 1  # "?!", "..."
            while j < n and text[j] in _CLOSERS:
                j += 1
            if j < n and not text[j].isspace():
                i = j
                continue
            if c == "." and j == i + 1 and _is_abbreviation(text, i):
                i = j
                continue
            if c == "." and j == i + 1:
                # Next word starting lowercase: not a sentence end ("khoảng 5 tr. đồng")
                k = j
                while k < n and text[k] in " \t":
                    k += 1
                if k < n and text[k].islower():
                    i = j
                    continue
            sp = _trimmed(text, start, j)
            if sp:
                spans.append(sp)
            start = j
            i = j
            continue
        i += 1
    sp = _trimmed(text, start, n)
    if sp:
        spans.append(sp)
    return spans


_CLAUSE_SPLIT_RE = re.compile(r"[;:](?=\s)|,(?=\s)")


def clause_spans(text: str, max_chars: int = 160) -> list[tuple[int, int]]:
    """Sentences, with any sentence longer than `max_chars` cut further at ';', ':' then ','.

    Pieces shorter than 25 characters are merged into their neighbour so clauses stay readable.
    """
    out: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if e - s <= max_chars:
            out.append((s, e))
            continue
        cuts = [m.end() for m in _CLAUSE_SPLIT_RE.finditer(text, s, e)]
        pieces: list[tuple[int, int]] = []
        prev = s
        for c in cuts + [e]:
            sp = _trimmed(text, prev, c)
            prev = c
            if not sp:
                continue
            if pieces and (sp[1] - sp[0] < 25 or pieces[-1][1] - pieces[-1][0] < 25):
                pieces[-1] = (pieces[-1][0], sp[1])
            else:
                pieces.append(sp)
        out.extend(pieces)
    return out


# --- locate ---------------------------------------------------------------------------------

_CANON = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
        "–": "-", "—": "-", "‑": "-", "‒": "-", "−": "-", "―": "-", "‐": "-",
        "…": ".",
    }
)


def _canonical(s: str) -> tuple[str, list[int]]:
    """fold + canonical punctuation + whitespace runs collapsed to one space, with an index map
    from each output character to its offset in `s` (s must be NFC for exact offsets)."""
    f = fold(s).translate(_CANON)
    out: list[str] = []
    idx: list[int] = []
    prev_space = False
    for i, c in enumerate(f):
        if c.isspace() or c in "\u200b\u00ad\ufeff":
            if c in "\u200b\u00ad\ufeff":
                continue
            if prev_space:
                continue
            prev_space = True
            out.append(" ")
            idx.append(i)
        else:
            prev_space = False
            out.append(c)
            idx.append(i)
    return "".join(out), idx


def _compose_with_map(s: str) -> tuple[str, list[int], list[int]]:
    """NFC of `s` with, for each composed character, the start/end offsets of its source in `s`
    (composition is done per base character + its combining marks)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(s)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(s[j]):
            j += 1
        for c in nfc(s[i:j]):
            out.append(c)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


def locate(haystack: str, needle: str) -> tuple[int, int] | None:
    """Where `needle` is in `haystack`: exact substring first, then a match under fold() with
    whitespace runs collapsed and typographic quotes/dashes equated. Returns (start, end) offsets
    into the ORIGINAL haystack (also when it is not NFC), or None (also for an empty needle)."""
    if not needle or not needle.strip():
        return None
    i = haystack.find(needle)
    if i >= 0:
        return i, i + len(needle)
    if not unicodedata.is_normalized("NFC", haystack):
        composed, starts, ends = _compose_with_map(haystack)
        hit = locate(composed, needle)
        if hit is None:
            return None
        return starts[hit[0]], ends[hit[1] - 1]
    hay, hmap = _canonical(haystack)
    ned, _ = _canonical(nfc(needle).strip())
    ned = ned.strip()
    if not ned:
        return None
    j = hay.find(ned)
    if j < 0:
        return None
    return hmap[j], hmap[j + len(ned) - 1] + 1
