"""Follow-up questions: complete an elliptical question from the conversation before retrieval.

"Năm 2020 xã Tân Phú kết nạp bao nhiêu đảng viên?" then "Còn năm 2021 thì sao?" is asked as
"Năm 2021 xã Tân Phú kết nạp bao nhiêu đảng viên?". The mechanism, not a sentence list:

- a question is read into slots: the period ("năm 2021", "6 tháng đầu năm 2022", "quý II/2023",
  "the first half of 2021"), the place (a province from toolkit.vi.places, or an administrative
  unit word and its capitalised name: "huyện Đức Trọng", "Lâm Đồng province"), the body (an
  organisation head from the glossary's org terms, or a few heads it lacks, with its name), and
  the facet (target or result) and whatever content words remain (the subject);
- it is a follow-up when it opens with a follow-up cue ("Còn", "Thế còn", "Vậy", "And", "What
  about", "How about") or has no subject of its own but names a slot; a question with a subject
  and no cue stands alone and is never rewritten;
- the previous resolved question then takes the new slots in place of its own (or gains them),
  a facet swaps "target" for "result" or adds it, and a new subject keeps the old slots.

Pure functions, no model: `resolve_turns([q1, q2, ...])` gives each turn's resolved question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .vi.text import fold, nfc, strip_marks
from .vi.periods import PERIOD_RE as _PERIOD_RE
from .vi import facets
from .vi.places import find_provinces

# --- slots -------------------------------------------------------------------------------------

_UPPER = "".join(c for c in map(chr, range(0x41, 0x1F00)) if c.isupper() and c.isalpha())
_CAP = rf"[{re.escape(_UPPER)}][\w'-]*"
_NAME = rf"{_CAP}(?:\s+{_CAP}){{0,3}}"
_UNIT_VI = r"(?i:tỉnh|thành\s+phố|TP\.?|huyện|quận|thị\s+xã|xã|phường|thị\s+trấn)"
_NUMBERED = r"\d{1,2}\b"  # a city's wards and districts may be numbered ("phường 3", "quận 10")
_PLACE_RE = re.compile(rf"\b{_UNIT_VI}\s+(?:{_NAME}|{_NUMBERED})|{_NAME}\s+(?:province|district|commune|ward|town|city)\b")
# heads the glossary's org terms lack (it lists the ones it translates); facts of the genre
_EXTRA_HEADS = ("Đảng bộ", "Chi bộ", "Đảng ủy", "Quận ủy", "Thị ủy", "Hội Nông dân", "Hội Cựu chiến binh",
                "Hội Liên hiệp Phụ nữ", "Đoàn Thanh niên", "Party Committee", "Party Organisation",
                "Party Organization", "People's Committee", "People's Council", "Party Cell")
_FACETS = {
    "target": r"\b(?:chi tieu|ke hoach|muc tieu|phan dau|targets?|goals?|plan(?:ned)?)\b",
    "result": r"\b(?:ket qua|thuc hien|dat duoc|results?|achieved|outcomes?|actual)\b",
}
_FACET_ASK = {"target": {"vi": "chỉ tiêu đề ra", "en": "the target"}, "result": {"vi": "kết quả đạt được", "en": "the result"}}
_CUE_RE = re.compile(r"^\s*(?:(?:the|vay|con)\s+con|con|vay|the thi|and(?:\s+what|\s+how)?\s+about|and|what about"
                     r"|how about|what of|same for)\b[\s,]*", re.I)
_TAIL_RE = re.compile(r"[\s,]*(?:thi\s+(?:sao|the\s+nao|ra\s+sao)|the\s+nao|ra\s+sao|nhu\s+the\s+nao|nua|thi)?\s*[?.!…]*\s*$")
# words that carry no subject of their own in a follow-up (on strip_marks(fold(text)))
_FILLER = set("""con the vay thi sao nao ra nhu nua a o trong vao cua cho va la gi
and what about how the a an in for of then too there it its is was were were did do does same with at by on""".split())


_HEAD_WORDS = {"Party", "Committee", "Council", "Organisation", "Organization", "Cell", "Bloc", "Front"}


@dataclass(frozen=True)
class Slot:
    kind: str  # 'period', 'place' or 'body'
    text: str
    start: int
    end: int


@dataclass
class Frame:
    """A question read into slots."""

    text: str
    slots: list[Slot]
    facet: str | None
    subject: list[str]  # folded, unmarked content words outside slots, cues and facet words
    cue: bool
    facet_word: str = ""  # the facet's word as written ("chỉ tiêu", "kết quả", "targets")

    def first(self, kind: str) -> Slot | None:
        return next((s for s in self.slots if s.kind == kind), None)


@dataclass
class Resolved:
    """The question to retrieve with, and how it came from the conversation."""

    question: str
    original: str
    rewritten: bool = False
    carried: list[str] = field(default_factory=list)  # the earlier turn's slot texts kept


@lru_cache(maxsize=1)
def _body_re() -> re.Pattern:
    try:
        from .vi.glossary import load_glossary

        heads = [t.vi for t in load_glossary().terms if t.kind == "org"] + [t.en for t in load_glossary().terms if t.kind == "org"]
    except Exception:  # noqa: BLE001 - the glossary is optional here: the extra heads still work
        heads = []
    heads = [h for h in dict.fromkeys(heads + list(_EXTRA_HEADS)) if h and h[0].isupper() and len(h) > 3]
    alt = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in sorted(heads, key=len, reverse=True))
    return re.compile(rf"(?:{_NAME}\s+)?(?:Provincial\s+|District\s+|City\s+|Commune\s+)?(?:{alt})"
                      rf"(?:\s+(?:of\s+(?:the\s+)?)?(?:{_UNIT_VI}\s+(?:{_NAME}|{_NUMBERED})|{_NAME}))?")


def _spans(regex: re.Pattern, text: str, kind: str) -> list[Slot]:
    return [Slot(kind, m.group(0).strip(), m.start(), m.start() + len(m.group(0).rstrip())) for m in regex.finditer(text)]


def read(question: str) -> Frame:
    """The slots, facet, subject words and follow-up cue of one question."""
    text = nfc(question or "").strip()
    found = _spans(_PERIOD_RE, text, "period") + _spans(_body_re(), text, "body") + _spans(_PLACE_RE, text, "place")
    found += [Slot("place", n, s, e) for n, s, e in find_provinces(text)]
    slots: list[Slot] = []
    for s in sorted(found, key=lambda s: (s.start, -(s.end - s.start))):
        if any(s.start >= o.start and s.end <= o.end for o in slots):
            continue  # inside a longer slot (the place inside a body is read again when replacing)
        slots = [o for o in slots if not (o.start >= s.start and o.end <= s.end)] + [s]
    slots.sort(key=lambda s: s.start)
    plain = strip_marks(fold(text))
    m = _CUE_RE.match(plain)
    cue = bool(m)
    if m:  # "And Cầu Ngang district": the cue word is no part of the name
        slots = [s if s.start >= m.end() else Slot(s.kind, text[m.end():s.end], m.end(), s.end) for s in slots if s.end > m.end()]
    rest = list(plain)
    for s in slots:
        rest[s.start:s.end] = " " * (s.end - s.start)
    rest_s = "".join(rest)
    facet, facet_word = None, ""
    for name, pat in _FACETS.items():
        if (fm := re.search(pat, rest_s)) and facet is None:
            facet, facet_word = name, text[fm.start():fm.end()]
        rest_s = re.sub(pat, " ", rest_s)
    words = [w for w in re.findall(r"[^\W\d_]+", rest_s) if w not in _FILLER and len(w) > 1]
    return Frame(text, slots, facet, words, cue, facet_word)


# --- resolution --------------------------------------------------------------------------------


def is_follow_up(frame: Frame) -> bool:
    """Elliptical: a follow-up cue, or no subject of its own beside a slot or facet."""
    if not frame.text:
        return False
    if frame.cue:
        return True
    return not frame.subject and (bool(frame.slots) or frame.facet is not None) and len(frame.text.split()) <= 8


def lang_of(text: str) -> str:
    """'vi' or 'en': the reader's language test (a letter test while the reader is unavailable)."""
    return _lang(text)


def _lang(text: str) -> str:
    try:
        from .answer import detect_language

        return detect_language(text)
    except Exception:  # noqa: BLE001 - the reader may be mid-refactor; a letter test is a fair fallback
        return "vi" if re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", text, re.I) else "en"


def _strip_end(q: str) -> str:
    return re.sub(r"[\s?.!…]+$", "", q)


def _with(q: str, phrase: str, kind: str, lang: str) -> str:
    """q gaining a slot it did not have."""
    lead = {"period": {"vi": "trong", "en": "in"}, "place": {"vi": "tại", "en": "in"}, "body": {"vi": "của", "en": "of"}}
    if kind == "period" and re.match(r"(?i)năm\b|the\b", phrase):
        return f"{_strip_end(q)} {phrase}?"
    return f"{_strip_end(q)} {lead[kind][lang]} {phrase}?"


def _replace(q: str, old: Slot, new: str) -> str:
    if old.start == 0 and new[:1].islower():
        new = new[:1].upper() + new[1:]
    return q[:old.start] + new + q[old.end:]


def _place_in(slot: Slot) -> Slot | None:
    """The place named inside a body slot ("Đảng bộ xã Tân Phú" -> "xã Tân Phú", "Tỉnh ủy Bình
    Phước" -> "Bình Phước"), in question offsets."""
    inner = _spans(_PLACE_RE, slot.text, "place") + [Slot("place", n, s, e) for n, s, e in find_provinces(slot.text)]
    if not inner:
        m = re.search(rf"{_NAME}$", slot.text)
        if not m or m.start() == 0 or _HEAD_WORDS & set(m.group(0).split()):
            return None  # no name after the head ("Cầu Ngang District Party Committee" names its place before it)
        inner = [Slot("place", m.group(0), m.start(), m.end())]
    best = max(inner, key=lambda s: s.end - s.start)
    return Slot("place", best.text, slot.start + best.start, slot.start + best.end)


def _bare_name(place: str) -> str:
    """'Lâm Đồng province' / 'tỉnh Lâm Đồng' -> 'Lâm Đồng' (to sit where a bare name stood)."""
    s = re.sub(rf"^{_UNIT_VI}\s+", "", place)
    return re.sub(r"\s+(?:province|district|commune|ward|town|city)$", "", s)


def _has_unit(place: str) -> bool:
    return bool(re.match(rf"{_UNIT_VI}\s", place) or re.search(r"\s(?:province|district|commune|ward|town|city)$", place))


def _appended_facet(q: str, facet: str, lang: str) -> str:
    """q with the facet's ask after a dash ('… — chỉ tiêu đề ra?'), the other facet's words dropped:
    the form when the facet's words have no place of their own in q."""
    other = "result" if facet == "target" else "target"
    base = re.sub(r"\s+—\s+(?:chỉ tiêu đề ra|kết quả đạt được|the (?:target|result))$", "", _strip_end(q))
    plain = strip_marks(fold(base))  # same offsets as base (length-preserving)
    for m in reversed(list(re.finditer(_FACETS[other], plain))):
        base = base[:m.start()] + base[m.end():]
    base = re.sub(r"\s{2,}", " ", base).strip()
    return f"{base[:1].upper()}{_strip_end(base[1:])} — {_FACET_ASK[facet][lang]}?"


def _apply_facet(q: str, facet: str, word: str, lang: str) -> str:
    """q asked of the facet the follow-up names (toolkit.vi.facets): a target's words join the
    predicate, a result's take the place of the target's (a question without target words already
    asks a result); where they have no place of their own, the facet is said after a dash."""
    q = re.sub(r"\s+—\s+(?:chỉ tiêu đề ra|kết quả đạt được|the (?:target|result))(?=[?.!…]*$)", "", _strip_end(q)) + "?"
    if lang == "vi":
        word = word if _lang(word) == "vi" else ""
        out = (facets.as_target_vi(q, word, facets.predicate_start_vi(q, [s.end for s in read(q).slots]))
               if facet == "target" else facets.as_result_vi(q, word))
    else:
        out = facets.as_target_en(q, _subject_en(q)) if facet == "target" else facets.as_result_en(q)
    return out if out is not None else _appended_facet(q, facet, lang)


def _substitute(prev: Frame, new: Frame, lang: str) -> str:
    """The previous question with the new question's slots in place of (or added to) its own."""
    q = prev.text
    edits: list[tuple[Slot, str]] = []
    appended: list[tuple[str, str]] = []
    for kind in ("period", "body", "place"):
        s = new.first(kind)
        if s is None:
            continue
        old = prev.first(kind)
        if kind == "place" and old is None and new.first("body") is None and prev.first("body") is not None:
            old = _place_in(prev.first("body"))  # "Tỉnh ủy Bình Phước" + "Lâm Đồng" -> "Tỉnh ủy Lâm Đồng"
            if old is not None and not _has_unit(old.text):
                edits.append((old, _bare_name(s.text)))
                continue
        unit = re.match(rf"{_UNIT_VI}\s+", old.text) if old is not None else None
        if unit and not _has_unit(s.text):  # "tỉnh Trà Vinh" + "Nam Định" -> "tỉnh Nam Định"
            edits.append((old, unit.group(0) + s.text))
            continue
        if old is not None:
            edits.append((old, s.text))
        else:
            appended.append((kind, s.text))
    for old, text in sorted(edits, key=lambda e: -e[0].start):  # from the end: earlier offsets stay valid
        q = _replace(q, old, text)
    for kind, text in appended:
        q = _with(q, text, kind, lang)
    return q


def resolve(question: str, previous: str | None) -> Resolved:
    """`question` completed from the previous resolved question (None: nothing to complete from)."""
    original = nfc(question or "").strip()
    new = read(original)
    if not previous or not is_follow_up(new):
        return Resolved(original, original)
    prev = read(previous)
    lang = _lang(prev.text)
    kinds = {s.kind for s in new.slots}
    if kinds & {"place", "body"}:
        kinds |= {"place", "body"}  # a body names its place: a new one of either replaces both
    carried = [s.text for s in prev.slots if s.kind not in kinds]
    if len(new.subject) >= 2:
        # a new subject after a cue ("Còn số chi bộ thì sao?"): its own words, the earlier slots it
        # does not name carried over
        q = _strip_end(_drop_tail(_drop_cue(original)))
        kept = [t[:1].lower() + t[1:] if s.kind == "period" else t for s in prev.slots if s.kind not in kinds for t in [s.text]]
        if lang == "en" and _lang(original) == "en":
            q = _complete_en(q, prev.text)
            kept = [t for t in kept if fold(t) not in fold(q)]
        q = q[:1].upper() + q[1:] + (f" ({', '.join(kept)})" if kept else "") + "?"
        return Resolved(q, original, q.rstrip("?") != _strip_end(original), carried)
    q = _substitute(prev, new, lang)
    if new.facet:
        q = _apply_facet(q, new.facet, new.facet_word, lang)
    return Resolved(q, original, q != original, carried)


# English grammar (facts of the language): an auxiliary before the subject, a pronoun standing for
# the earlier question's subject, and the head nouns a body's or place's name ends with
_AUX = r"(?:did|do|does|were|was|are|is|has|have|had|will)"
_HEAD_EN = r"(?:bloc|district|province|commune|ward|city|town|committee|organisation|organization|cell|council|party)"
_STOP_EN = re.compile(rf"^(?:{_AUX}|in|for|by|at|during|of|from|to|and|or|with|set|since|before|after)$", re.I)


def _subject_en(question: str) -> str | None:
    """The subject after the auxiliary of an English question ("did the Nam Định bloc set" -> "the
    Nam Định bloc"): an optional "the", capitalised words, an optional head noun."""
    m = re.search(rf"\b{_AUX}\s+((?:the\s+)?(?:{_CAP}\s+)+(?:{_HEAD_EN}\s+)?)(?=[a-z])", question)
    return m.group(1).strip() if m else None


def _counted_en(previous: str, question: str) -> str | None:
    """What the earlier question counted, for a "how many did it admit" that names nothing, when it
    asked of the same verb: its own "how many X did ... admit", else the words after its form of the
    verb ("admitting new Party members did" for "admit")."""
    stems = {fold(w)[:5] for w in re.findall(r"[A-Za-z]{4,}", question) if not re.fullmatch(rf"(?i){_AUX}|many|much|they|their", w)}
    m = re.search(rf"(?i)\bhow\s+(many|much)\s+(.+?)\s+{_AUX}\b", previous)
    if m and m.group(1).lower() in question.lower() and stems & {fold(w)[:5] for w in previous[m.end():].split()}:
        return m.group(2)
    words = previous.rstrip("?.! ").split()
    for i, w in enumerate(words):
        if len(w) >= 4 and fold(w)[:5] in stems:
            got = []
            for x in words[i + 1:]:
                if _STOP_EN.match(x.strip(",;")):
                    break
                got.append(x.strip(",;"))
            if got:
                return " ".join(got)
    return None


def _complete_en(q: str, previous: str) -> str:
    """An English follow-up with a subject of its own ("And how many did it admit in 2020?") given
    the counted thing and the subject it leaves to the earlier question."""
    m = re.search(rf"(?i)\bhow\s+(?:many|much)\s+(?={_AUX}\b)", q)
    counted = _counted_en(previous, q) if m else None
    if m and counted:
        q = q[:m.end()] + counted + " " + q[m.end():]
    p = re.search(rf"(?i)\b{_AUX}\s+(it|they)\b", q)
    subject = _subject_en(previous) if p else None
    if p and subject:
        q = q[:p.start(1)] + subject + q[p.end(1):]
    return q


def _drop_tail(q: str) -> str:
    m = _TAIL_RE.search(strip_marks(fold(q)))
    return q[:m.start()] if m else q


def _drop_cue(q: str) -> str:
    plain = strip_marks(fold(q))
    m = _CUE_RE.match(plain)
    return q[m.end():] if m else q


def resolve_turns(questions: list[str]) -> list[Resolved]:
    """Each user turn resolved against the turn before it (itself resolved), in order."""
    out: list[Resolved] = []
    for q in questions:
        out.append(resolve(q, out[-1].question if out else None))
    return out


def understood_line(resolved: Resolved, lang: str) -> str:
    """'Hiểu là: …' / 'Understood as: …' when the question was completed, else ''."""
    if not resolved.rewritten:
        return ""
    return ("Hiểu là: " if lang == "vi" else "Understood as: ") + resolved.question
