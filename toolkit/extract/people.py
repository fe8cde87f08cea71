"""Person candidates: named officials with their titles (toolkit.vi.names) and the roles cued in their sentence.

A name becomes a candidate only with a title or an honorific (ông, bà, đồng chí...), so that place
names and companies named like people stay out. Captions are read too (they name the officials at
the meeting); a lead title line is read as body. The byline gives the author only.
"""

from __future__ import annotations

import re

from ..schemas import Document, Role
from ..vi.text import fold, sentence_spans
from ..vi.names import find_people
from .candidates import PersonCandidate, content_paragraphs, span_containing

_ROLE_RULES: list[tuple[str, Role]] = [
    ("chủ trì", "chair"),
    ("trưởng đoàn", "head_of_delegation"),
    ("báo cáo", "presenter"),
    ("trình bày", "presenter"),
    ("phát biểu", "speaker"),
    ("kết luận", "speaker"),
    ("chỉ đạo", "speaker"),
    ("tham dự", "attendee"),
    ("tới dự", "attendee"),
    ("dự", "attendee"),
]
ROLE_PRIORITY: dict[str, int] = {"chair": 5, "head_of_delegation": 4, "presenter": 3, "speaker": 2, "attendee": 1, "author": 0}


def cued_roles(sentence: str) -> list[Role]:
    """Roles whose cue words occur in the sentence, in rule order (strongest first)."""
    f = fold(sentence)
    out: list[Role] = []
    for kw, role in _ROLE_RULES:
        if role not in out and re.search(r"(?<![^\W\d_])" + re.escape(kw) + r"(?![^\W\d_])", f):
            out.append(role)
    return out


def people_candidates(doc: Document) -> list[PersonCandidate]:
    found: dict[str, PersonCandidate] = {}
    order: list[str] = []
    for p in content_paragraphs(doc, captions=True, lead_title=True):
        text = p.text
        sentences = sentence_spans(text, semicolons=False)
        for m in find_people(text):
            if not m.title and not m.honorific:
                continue
            sent = span_containing(sentences, m.start, m.end) or (0, len(text))
            cued = cued_roles(text[sent[0]: sent[1]])
            role = next(iter(cued), "attendee")
            q_start, q_end = m.quote_span
            cand = PersonCandidate(id="", name=m.name, title=m.title, paragraph_id=p.paragraph_id, quote=text[q_start:q_end],
                                   sentence=text[sent[0]:sent[1]], default_role=role, cued_roles=cued)
            key = fold(m.name)
            if key not in found:
                found[key] = cand
                order.append(key)
                continue
            old = found[key]
            best = cand if len(cand.title) > len(old.title) else old
            best_role = max((old.default_role, role), key=lambda r: ROLE_PRIORITY[r])
            found[key] = best.model_copy(update={"default_role": best_role, "mentions": old.mentions + 1,
                                                 "cued_roles": list(dict.fromkeys(old.cued_roles + cued))})
    return [found[k].model_copy(update={"id": f"h{i + 1}"}) for i, k in enumerate(order)]


def author_candidates(doc: Document) -> list[PersonCandidate]:
    """The byline author (role author), when it can be quoted from a byline paragraph."""
    if not doc.author:
        return []
    for p in doc.paragraphs:
        if p.kind == "byline" and doc.author in p.text:
            return [PersonCandidate(id="a1", name=doc.author, paragraph_id=p.paragraph_id, quote=doc.author, default_role="author")]
    return []
