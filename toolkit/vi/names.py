"""Vietnamese person names and their titles: the one surname list and the one name finder.

A personal name is 2-4 capitalised syllables starting with a surname (data: toolkit/data/vi_people.json),
or 2-4 capitalised syllables right after an honorific (ông, bà, đồng chí, a military rank...). The
honorific is never part of the name. A title is written before the name ("Phó Bí thư Tỉnh ủy Lê Văn A"),
after it with a dash or comma ("Lê Văn A - Bí thư Huyện ủy", "Lê Văn A, Chủ tịch UBND huyện"), or glued
after it without punctuation ("Lê Văn A Bí thư Huyện ủy"). Names listed together share the title and the
honorific written before the first ("các Phó Chủ tịch UBND tỉnh A và B"). A two-syllable run right after a
place word ("huyện Châu Đức", "Tỉnh ủy Hà Giang") is a place, not a person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..textnorm import fold, strip_marks

_WORD_RE = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(resources.files("toolkit").joinpath("data/vi_people.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Folded surnames."""
    return frozenset(fold(s) for s in _data()["surnames"])


@lru_cache(maxsize=1)
def surnames_plain() -> frozenset[str]:
    """Surnames without diacritics (for English text that drops them)."""
    return frozenset(strip_marks(s) for s in surnames())


@lru_cache(maxsize=1)
def title_heads() -> tuple[str, ...]:
    """Folded words a title starts with, longest first."""
    return tuple(sorted({fold(t) for t in _data()["title_heads"]}, key=len, reverse=True))


@lru_cache(maxsize=1)
def not_people() -> frozenset[str]:
    return frozenset(fold(s) for s in _data()["not_people"])


@lru_cache(maxsize=1)
def _honorific_re() -> re.Pattern:
    words = sorted(_data()["honorifics"], key=len, reverse=True)
    alts = "|".join(re.escape(w) for w in words)
    return re.compile(r"(?:^|(?<=[\s,(:;.\-–]))(?:" + alts + r")\.?\s*:?\s*$", re.I)


@lru_cache(maxsize=1)
def _honorific_words() -> frozenset[str]:
    """Single honorific words that may open a run of capitals ("Ông Nguyễn Văn A")."""
    return frozenset(fold(w) for w in _data()["honorifics"] if " " not in w and "/" not in w)


@lru_cache(maxsize=1)
def _title_stop_re() -> re.Pattern:
    verbs = sorted(set(_data()["title_stop_verbs"]), key=len, reverse=True)
    return re.compile(r"\s+(?:" + "|".join(re.escape(v) for v in verbs) + r")(?![^\W\d_])")


@lru_cache(maxsize=1)
def _place_lead_re() -> re.Pattern:
    leads = sorted(set(_data()["place_leads"]), key=len, reverse=True)
    return re.compile(r"(?:^|[\s,(])(?:" + "|".join(re.escape(w) for w in leads) + r")\s+$")


_TITLE_END_RE = re.compile(r"[;()\[\]\n:“”\"]|\.(?:\s|$)|\s(?:đồng chí|Đồng chí|ông|bà|Ông|Bà)\s")


def is_cap(w: str) -> bool:
    """A capitalised syllable ('Văn', 'T'), not an acronym ('UBND')."""
    return bool(w) and w[0].isupper() and (len(w) == 1 or w[1:].islower())


def starts_with_title(s: str) -> bool:
    f = fold(s.strip())
    return any(f.startswith(h + " ") or f == h for h in title_heads())


def honorific_before(text: str, pos: int) -> str:
    """The honorific written right before pos ('ông', 'Đồng chí', 'Đại tá'), or ''."""
    m = _honorific_re().search(text[max(0, pos - 24):pos])
    return m.group(0).strip(" :.") if m else ""


@dataclass(frozen=True)
class NameMention:
    name: str
    start: int
    end: int
    title: str = ""
    title_start: int = -1
    title_end: int = -1
    honorific: str = ""
    title_shared: bool = False  # the title was written once for a list of names

    @property
    def quote_span(self) -> tuple[int, int]:
        if not self.title:
            return self.start, self.end
        return min(self.start, self.title_start), max(self.end, self.title_end)


def _runs(text: str) -> list[list[re.Match]]:
    runs: list[list[re.Match]] = []
    cur: list[re.Match] = []
    for m in _WORD_RE.finditer(text):
        if is_cap(m.group(0)) and cur and text[cur[-1].end(): m.start()] == " ":
            cur.append(m)
            continue
        if cur:
            runs.append(cur)
        cur = [m] if is_cap(m.group(0)) else []
    if cur:
        runs.append(cur)
    return runs


def name_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, honorific) of every personal name in text."""
    sur, hon_words = surnames(), _honorific_words()
    out: list[tuple[int, int, str]] = []
    for run in _runs(text):
        k = None
        for x, w in enumerate(run):
            fw = fold(w.group(0))
            if fw in hon_words and x + 1 < len(run) and fold(run[x + 1].group(0)) in sur:
                continue  # "Ông Nguyễn Văn A": the honorific opens the run
            if fw in sur and len(run) - x >= 2 and not starts_with_title(text[w.start():]):
                k = x
                break
        honorific = honorific_before(text, run[k].start() if k is not None else run[0].start())
        if k is None:
            if not honorific or starts_with_title(text[run[0].start():]):
                continue
            k = 0
        words = [run[k]]
        for w in run[k + 1:]:
            if len(words) == 4 or starts_with_title(text[w.start():]):
                break  # "Dương Văn T Bí thư Huyện ủy": the title is glued to the name
            words.append(w)
        if len(words) < 2:
            continue
        s, e = words[0].start(), words[-1].end()
        key = fold(text[s:e])
        if key in not_people() or any(key.startswith(n + " ") for n in not_people()):
            continue
        if len(words) == 2 and not honorific and _place_lead_re().search(fold(text[max(0, s - 16):s])):
            continue  # "huyện Châu Đức", "Tỉnh ủy Hà Giang": a place named like a person
        out.append((s, e, honorific if k == 0 or words[0] is run[k] else ""))
    return out


def person_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names (see name_spans)."""
    return [(s, e) for s, e, _ in name_spans(text)]


# --- titles ------------------------------------------------------------------------------------


def title_after(text: str, pos: int) -> tuple[str, int, int]:
    """Title written after a name ending at pos: ' - title', ', title' or glued ' Title'.
    Returns (title, start, end) or ('', pos, pos)."""
    m = re.match(r"\s*[-–,]\s*", text[pos:])
    if m:
        start = pos + m.end()
    elif re.match(r" \S", text[pos:]) and starts_with_title(text[pos + 1:]):
        start = pos + 1
    else:
        return "", pos, pos
    end_m = _TITLE_END_RE.search(text, start)
    end = end_m.start() if end_m else len(text)
    stop = _title_stop_re().search(text, start, end)
    if stop:
        end = stop.start()
    segs: list[tuple[int, int]] = []
    for piece in re.finditer(r"[^,]+", text[start:end]):
        s, e = start + piece.start(), start + piece.end()
        if not starts_with_title(text[s:e]):
            break
        segs.append((s, e))
    if not segs:
        return "", pos, pos
    t_start = segs[0][0] + len(text[segs[0][0]:segs[0][1]]) - len(text[segs[0][0]:segs[0][1]].lstrip())
    t_end = t_start + len(text[t_start:segs[-1][1]].rstrip())
    return text[t_start:t_end], t_start, t_end


def title_before(text: str, name_start: int, floor: int = 0) -> tuple[str, int]:
    """Title written before a name ('Phó Bí thư Tỉnh ủy Lâm Minh Đằng'), not reaching back before floor
    (the end of the previous name); returns (title, start) or ('', name_start)."""
    window_start = max(0, floor, name_start - 100)
    chunk = text[window_start:name_start]
    cut = max(chunk.rfind(c) for c in ",;:(.\n–")
    hm = None
    for hm in re.finditer(r"(?:đồng chí|Đồng chí|ông|Ông|bà|Bà|các|Các)\s", chunk):
        pass
    if hm is not None and hm.end() > cut:
        cut = hm.end() - 1
    seg_start = window_start + cut + 1
    seg = text[seg_start:name_start]
    seg_start += len(seg) - len(seg.lstrip())
    seg = text[seg_start:name_start].rstrip()
    if not seg or not starts_with_title(seg) or _title_stop_re().search(" " + seg):
        return "", name_start
    return seg, seg_start


_LIST_GAP_RE = re.compile(r"\s*(?:,|;|\s và|,\s*và)\s*$")


def find_people(text: str) -> list[NameMention]:
    """Every personal name of text with its title and honorific (see the module docstring)."""
    out: list[NameMention] = []
    for s, e, honorific in name_spans(text):
        title, t_start, t_end = title_after(text, e)
        shared = False
        if not title:
            title, t_start = title_before(text, s, floor=out[-1].end if out else 0)
            t_end = s if title else -1
        if (not title or not honorific) and out:
            prev = out[-1]
            gap_start = prev.title_end if (prev.title and not prev.title_shared and prev.title_end > prev.end) else prev.end
            if gap_start <= s and _LIST_GAP_RE.fullmatch(text[gap_start:s]) is not None:
                # a list of names after one honorific or title: "các đồng chí A, B và C", "các Phó Chủ tịch A và B"
                honorific = honorific or prev.honorific
                if not title and prev.title and (prev.title_shared or prev.title_end <= prev.start):
                    title, t_start, t_end, shared = prev.title, prev.title_start, prev.title_end, True
        out.append(NameMention(text[s:e], s, e, title, t_start if title else -1, t_end if title else -1, honorific, shared))
    return out


# --- name-like runs in generated text (the verifier's check) ------------------------------------


@lru_cache(maxsize=1)
def _org_words() -> frozenset[str]:
    return frozenset(fold(w) for w in _data()["not_name_words"])


_ALWAYS_SUPPORTED = frozenset({"ho chi minh"})  # the ideology, quoted everywhere


def name_like_runs(text: str) -> list[str]:
    """Runs of 2-5 capitalised words that look like a Vietnamese personal name, in any text (an answer
    or a summary, Vietnamese or English without diacritics): the names a verifier must find in sources."""
    words = [(m.group(0), m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    runs: list[list[tuple[str, int, int]]] = []
    cur: list[tuple[str, int, int]] = []
    for w, s, e in words:
        cap = w[0].isupper() and (w[1:].islower() or len(w) == 1)
        joined = bool(cur) and text[cur[-1][2]:s] == " "
        if cap and (not cur or joined):
            cur.append((w, s, e))
            continue
        if cur:
            runs.append(cur)
        cur = [(w, s, e)] if cap else []
    if cur:
        runs.append(cur)
    org, plain = _org_words(), surnames_plain()
    names: list[str] = []
    for run in runs:
        # Cut the run at organisation/title words; the person is a remaining piece.
        piece: list[tuple[str, int, int]] = []
        pieces: list[list[tuple[str, int, int]]] = []
        for tok in run:
            if fold(tok[0]) in org and not (piece and strip_marks(fold(piece[0][0])) in plain):
                if piece:
                    pieces.append(piece)
                piece = []
            else:
                piece.append(tok)
        if piece:
            pieces.append(piece)
        for p in pieces:
            if not 2 <= len(p) <= 5:
                continue
            if strip_marks(fold(" ".join(t[0] for t in p))) in _ALWAYS_SUPPORTED:
                continue
            first = strip_marks(fold(p[0][0]))
            if first in plain or (len(p) >= 3 and any(strip_marks(t[0]) != t[0] for t in p)):
                names.append(text[p[0][1]:p[-1][2]])
    return names
