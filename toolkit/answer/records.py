"""Role questions answered from the verified record: asked who chaired, led a delegation,
attended, spoke or presented, the answer is the record's person with that role whose evidence lies
in a retrieved paragraph. A name in the paragraph with another role is not the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..schemas import Citation, Person, Record
from ..vi.question import QuestionInfo

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


def role_people(info: QuestionInfo, read: list[tuple[str, str]], store: "Store") -> list[tuple[Person, Citation]]:
    """People of the asked role from the records of the read paragraphs' documents (best document
    first), each with the citation of its evidence; empty when the question asks no role or no
    record holds one there."""
    roles = [RECORD_ROLES[r] for r in info.roles if r in RECORD_ROLES]
    if "person" not in info.wants or not roles:
        return []
    read_set = set(read)
    for doc_id in dict.fromkeys(d for d, _ in read):
        rec = record_of(store, doc_id)
        if rec is None:
            continue
        found = []
        for p in rec.people:
            ev = p.evidence
            if p.role in roles and ev is not None and (ev.doc_id, ev.paragraph_id) in read_set:
                found.append(p)
        if found:
            doc = store.get_document(doc_id)
            out = []
            for p in found:
                ptext = doc.paragraph(p.evidence.paragraph_id).text if doc is not None else p.evidence.quote
                out.append((p, Citation(doc_id=doc_id, paragraph_id=p.evidence.paragraph_id, text=ptext,
                                        quote=p.evidence.quote, start=p.evidence.start, end=p.evidence.end)))
            return out
    return []
