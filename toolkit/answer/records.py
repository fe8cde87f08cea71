"""Role questions answered from the verified record: asked who chaired, led a delegation,
attended, spoke or presented, the answer is the record's person with that role whose evidence lies
in a retrieved paragraph. A name in the paragraph with another role is not the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..schemas import Citation, Person, Record
from ..vi.names import starts_with_title
from ..vi.text import joined, nfc, syllables
from ..vi.periods import role_of_who
from ..vi.question import QuestionInfo
from ..vi.terms import glossed_in

if TYPE_CHECKING:
    from ..store import Store

# asked role (toolkit.vi.question.ROLE_CUES) -> Record role
RECORD_ROLES = {"chair": "chair", "head": "head_of_delegation", "attend": "attendee", "speak": "speaker",
                "present": "presenter"}


def record_of(store: "Store", doc_id: str) -> Record | None:
    from ..errors import StoreError

    try:
        return store.get_record(doc_id)
    except StoreError:
        return None


_PRESENT = {"attendee", "chair", "speaker", "presenter", "head_of_delegation"}


def named_by_title(people: list[Person], question: str) -> list[Person]:
    """Of the people, those holding a title the question names ("Ai là Phó Bí thư Thường trực Tỉnh
    ủy dự ..." asks for the holder of that title); all of them when the question names none of
    their titles."""
    q = " " + " ".join(syllables(question)) + " "
    held = [p for p in people if p.title and any(
        len(piece) >= 2 and f" {' '.join(piece)} " in q
        for piece in (syllables(t) for t in re.split(r"[,;]| kiêm ", p.title)))]
    return held or people


# "Ai là <title> chủ trì ...": the who-word names the title of the person asked
_WHO_IS = re.compile(r"(?:^|[\s,(])[Aa]i là\s+(.+?)(?=\s+(?:chủ trì|tham dự|dự|phát biểu|trao|trình bày|làm|dẫn đầu|được|đã|của)\b|[,?(]|$)")


def asked_title(question: str) -> str | None:
    """The title a Vietnamese who-question asks the holder of ("Ai là Bí thư Tỉnh ủy chủ trì ..." ->
    "Bí thư Tỉnh ủy"), or None."""
    m = _WHO_IS.search(nfc(question))
    return m.group(1).strip() if m and starts_with_title(m.group(1)) else None


def holds_title(person: Person, title: str) -> bool:
    """The person's title holds the asked one, and not as its deputy ("Phó Bí thư" is not "Bí thư")."""
    return label_holds(person.title or "", [(" ".join(syllables(title)),)])


def label_holds(label: str, asked: list[tuple[str, ...]]) -> bool:
    """A title (label) holds the asked one, given as alternatives per part (the first part its head:
    "bí thư"): every part is in it, and its head not as a deputy's ("Phó Bí thư" is not "Bí thư")."""
    have = joined(label)
    if not asked or not all(any(f" {a} " in have for a in alts) for alts in asked):
        return False
    for want in (f" {a} " for a in asked[0]):
        at = have.find(want)
        while at >= 0:
            if want.startswith(" phó ") or not have[:at + 1].endswith(" phó "):
                return True
            at = have.find(want, at + 1)
    return False


# "who is the <title> of <body>": the English who-question that names the title of the person asked
_EN_WHO_IS = re.compile(r"\bwho (?:is|was|are|were) (?:the |its |their )?(.+?)(?=\s+(?:in|at|during|on|according|who|and)\b|[,?(;]|$)", re.I)


def asked_title_parts(info: QuestionInfo) -> list[tuple[str, ...]] | None:
    """The title a who-question asks the holder of, as alternatives per part, its head first:
    Vietnamese "Ai là <title>" -> the title; English "who is the <title>" -> its glossed terms
    (a phrase with no title word is not a title question)."""
    if info.lang == "vi":
        title = asked_title(info.question)
        return [(" ".join(syllables(title)),)] if title else None
    m = _EN_WHO_IS.search(info.question)
    if not m:
        return None
    parts = [info.terms[i] for i in glossed_in(info.terms, m.group(1), bodies=True)]
    heads = [t for t in parts if any(starts_with_title(a.capitalize()) for a in t.alts)]
    if not heads:
        return None
    return [heads[0].alts] + [t.alts for t in parts if t is not heads[0]]


# the level of office a question asks about ("district Party officials", "lãnh đạo tỉnh") and the
# words of a title at that level (HUV/TUV: member of the district/provincial Party Committee)
_LEVEL_ASKED = re.compile(
    r"\b(district|provincial|province|commune|ward|city)\s+(?:party\s+)?(?:officials?|leaders?|leadership|cadres?)\b"
    r"|\b(?:lãnh đạo|cán bộ)\s+(huyện|tỉnh|xã|phường|thành phố)\b", re.I)
_LEVEL_TITLE = {  # the words of a title at each level of office
    "huyện": ("huyện", "huv", "quận", "thị xã"), "tỉnh": ("tỉnh", "tuv"), "xã": ("xã", "phường", "thị trấn"),
    "phường": ("phường",), "thành phố": ("thành phố", "thành ủy", "thành uỷ"),
}
_LEVEL_EN = {"district": "huyện", "provincial": "tỉnh", "province": "tỉnh", "commune": "xã", "ward": "phường", "city": "thành phố"}


def at_asked_level(people: list[Person], question: str) -> list[Person] | None:
    """Of the people, those whose title is at the level of office the question asks about; None when
    the question asks no level."""
    m = _LEVEL_ASKED.search(question)
    if not m:
        return None
    asked = (m.group(1) or m.group(2)).lower()
    words = _LEVEL_TITLE[_LEVEL_EN.get(asked, asked)]
    return [p for p in people if p.title and any(f" {w} " in joined(p.title) for w in words)]


def role_people(info: QuestionInfo, read: list[tuple[str, str]], store: "Store") -> list[tuple[Person, Citation]]:
    """People of the asked role from the records of the read paragraphs' documents (best document
    first), each with the citation of its evidence; empty when the question asks no role or no
    record holds one there."""
    asked = role_of_who(info.question)  # the role verb after the who-word; other role words are context
    roles = [RECORD_ROLES[r] for r in ([asked] if asked else info.roles) if r in RECORD_ROLES]
    if "person" not in info.wants or not roles:
        return []
    read_set = set(read)
    for doc_id in dict.fromkeys(d for d, _ in read):
        rec = record_of(store, doc_id)
        if rec is None:
            continue
        # whoever chaired, spoke, presented or led a delegation also attended
        present = set(roles) | (_PRESENT if "attendee" in roles else set())
        found = [p for p in rec.people if p.role in present and p.evidence is not None
                 and (p.evidence.doc_id, p.evidence.paragraph_id) in read_set]
        # a person the question itself names is its context, not its answer
        q_words = joined(info.question)
        found = [p for p in found if joined(p.name) not in q_words]
        title = asked_title(info.question)
        if title:
            found = [p for p in found if holds_title(p, title)]  # "Ai là Bí thư ...": its holder, or nobody
        level = at_asked_level(found, info.question)
        titled = named_by_title(found, info.question)
        if level is not None:
            found = level  # "which district officials attended": those of that level, in any role present
        else:
            found = titled if titled is not found else [p for p in found if p.role in roles]
        if found:
            doc = store.get_document(doc_id)
            out = []
            for p in found:
                ptext = doc.paragraph(p.evidence.paragraph_id).text if doc is not None else p.evidence.quote
                out.append((p, Citation(doc_id=doc_id, paragraph_id=p.evidence.paragraph_id, text=ptext,
                                        quote=p.evidence.quote, start=p.evidence.start, end=p.evidence.end)))
            return out
    return []


def mark_meeting_dates(cands: list, store: "Store", n_docs: int = 2) -> None:
    """Set feats["record_date"] on the candidates whose sentence holds, at the record's evidence,
    the meeting date of their article's verified record (the best n_docs articles)."""
    for doc_id in list(dict.fromkeys(c.doc_id for c in cands))[:n_docs]:
        rec = record_of(store, doc_id)
        ev = rec.date_evidence if rec is not None and rec.date is not None else None
        if ev is None:
            continue
        for c in cands:
            if c.doc_id != doc_id or c.paragraph_id != ev.paragraph_id or not (c.start <= ev.start < c.end):
                continue
            if any(sp.kind == "date" and sp.date and sp.date[:2] == (rec.date.day, rec.date.month) for sp in c.spans):
                c.feats["record_date"] = 1.0
