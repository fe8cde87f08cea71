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

from .text import fold, strip_marks

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


def has_verb(text: str) -> bool:
    """Whether a word of the genre's verbs (the words that end a title: 'chủ trì', 'phối hợp', 'đã') stands in text."""
    return _title_stop_re().search(" " + text) is not None


@lru_cache(maxsize=1)
def _place_lead_re() -> re.Pattern:
    leads = sorted(set(_data()["place_leads"]), key=len, reverse=True)
    return re.compile(r"(?:^|[\s,(])(?:" + "|".join(re.escape(w) for w in leads) + r")\s+$")


_TITLE_END_RE = re.compile(r"[;()\[\]\n:“”\"]|(?<!TP)(?<!Tp)\.(?:\s|$)|\s(?:đồng chí|Đồng chí|ông|bà|Ông|Bà)\s")
# Verbs that put a title after a name: "A được bầu giữ chức vụ Bí thư", "A tái đắc cử Bí thư Huyện ủy"
_TITLE_VERB_RE = re.compile(r"\s+(?:được bầu (?:giữ |làm )?(?:chức (?:vụ |danh )?)?|giữ chức (?:vụ |danh )?|tái đắc cử (?:chức )?|"
                            r"được bầu làm |được phân công (?:giữ chức |làm )?|được bổ nhiệm (?:giữ chức |làm )?)")
_PIECE_RE = re.compile(r"(?:[^,\-–]|(?<=\S)-(?=\S))+")


def is_cap(w: str) -> bool:
    """A capitalised syllable ('Văn', 'T'), not an acronym ('UBND')."""
    return bool(w) and w[0].isupper() and (len(w) == 1 or w[1:].islower())


_UV_RE = re.compile(r"(?:UV[A-ZĐ]*|[TH]UV)(?![^\W\d_])")


def starts_with_title(s: str) -> bool:
    s = s.strip()
    if _UV_RE.match(s):
        return True  # UVBTV, UVBTVHU, TUV, HUV: committee member abbreviations
    f = fold(s)
    return any(f.startswith(h + " ") or f == h for h in title_heads())


@lru_cache(maxsize=1)
def _province_words() -> frozenset[tuple[str, ...]]:
    """Province names as folded word tuples ('kiên', 'giang'): a surname inside one starts no name."""
    from .places import PROVINCES

    out = set()
    for canon, extra in PROVINCES.items():
        for sp in [canon, *extra]:
            words = tuple(fold(w) for w in _WORD_RE.findall(sp))
            if len(words) >= 2:
                out.add(words)
    return frozenset(out)


def _in_province(words: list[str], x: int) -> bool:
    """Is word x part of a province name written in words ('Tỉnh ủy Kiên Giang Lê Văn A')?"""
    for prov in _province_words():
        n = len(prov)
        for start in range(max(0, x - n + 1), x + 1):
            if tuple(words[start:start + n]) == prov:
                return True
    return False


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
        folded = [fold(w.group(0)) for w in run]
        for x, w in enumerate(run):
            fw = folded[x]
            if fw in hon_words and x + 1 < len(run) and folded[x + 1] in sur:
                continue  # "Ông Nguyễn Văn A": the honorific opens the run
            if fw in sur and len(run) - x >= 2 and not starts_with_title(text[w.start():]) and not _in_province(folded, x):
                k = x
                break
        honorific = honorific_before(text, run[k].start() if k is not None else run[0].start())
        if k is None:
            if not honorific or starts_with_title(text[run[0].start():]) or any(f in _org_words() for f in folded[:2] if f != "thị"):  # "Thị" inside a capitalised run is a middle name
                continue  # "các đồng chí Ban Chấp hành": a body, not a person
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
    m = re.match(r"\s*[-–,]\s*", text[pos:]) or _TITLE_VERB_RE.match(text, pos)
    if m:
        start = m.end() if m.re is _TITLE_VERB_RE else pos + m.end()
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
    for piece in _PIECE_RE.finditer(text[start:end]):
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
    end = name_start
    dash = re.search(r"\s[-–]\s*$", text[max(floor, name_start - 4):name_start])
    if dash:  # "nguyên Trưởng Ban Tuyên giáo Tỉnh ủy - Trần Văn A"
        end = max(floor, name_start - 4) + dash.start()
    title_start = None
    while True:
        window_start = max(0, floor, end - 100)
        chunk = text[window_start:end]
        cut = max(chunk.rfind(c) for c in ",;:(.\n–")
        hm = None
        for hm in re.finditer(r"(?:đồng chí|Đồng chí|ông|Ông|bà|Bà|các|Các)\s", chunk):
            pass
        honor_cut = hm is not None and hm.end() > cut
        if honor_cut:
            cut = hm.end() - 1
        seg_start = window_start + cut + 1
        seg = text[seg_start:end]
        seg_start += len(seg) - len(seg.lstrip())
        seg = text[seg_start:end].rstrip()
        if seg and title_start is None and not starts_with_title(seg):
            # "Theo đánh giá của nguyên Trưởng Ban Tuyên giáo Tỉnh ủy - A": the title opens later in the clause
            inner = next((w.start() for w in _WORD_RE.finditer(seg)
                          if starts_with_title(seg[w.start():]) and not _title_stop_re().search(" " + seg[w.start():])), None)
            if inner is not None:
                seg_start, seg = seg_start + inner, seg[inner:]
        if not seg or not starts_with_title(seg) or _title_stop_re().search(" " + seg):
            break
        title_start = seg_start
        # "Phó Bí thư Thường trực Tỉnh ủy, Trưởng đoàn ĐBQH tỉnh Lê Văn A": one more title piece before a comma
        if honor_cut or cut < 0 or text[window_start + cut] != "," or window_start + cut <= floor:
            break
        end = window_start + cut
    if title_start is None:
        return "", name_start
    title_end = (max(floor, name_start - 4) + dash.start()) if dash else name_start
    return text[title_start:title_end].rstrip(), title_start


_LIST_GAP_RE = re.compile(r"\s*(?:,|;|\svà|,\s*và)\s*(?:(?:đồng chí|ông|bà|đ/c)\s*)?$", re.I)


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
    # "đồng chí A và đồng chí B giữ chức vụ Phó Bí thư": a title written after a list belongs to all of it
    for i in range(len(out) - 2, -1, -1):
        cur, nxt = out[i], out[i + 1]
        if (not cur.title and nxt.title and nxt.title_start > nxt.end and _TITLE_VERB_RE.match(text, nxt.end)
                and _LIST_GAP_RE.fullmatch(text[cur.end:nxt.start])):
            out[i] = NameMention(cur.name, cur.start, cur.end, nxt.title, nxt.title_start, nxt.title_end, cur.honorific or nxt.honorific, True)
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
