"""Person candidates: named officials with their titles (toolkit.vi.names) and the roles cued in their sentence.

A name becomes a candidate only with a title or an honorific (ông, bà, đồng chí...), so that place
names and companies named like people stay out. Captions are read too (they name the officials at
the meeting); a lead title line is read as body. The byline gives the author only.
"""

from __future__ import annotations

from ..schemas import Document, Role
from ..vi.text import fold, sentence_spans
from ..vi.names import find_people
from ..vi.roles import own_roles
from .candidates import PersonCandidate, content_paragraphs, span_containing

ROLE_PRIORITY: dict[str, int] = {"chair": 5, "head_of_delegation": 4, "presenter": 3, "speaker": 2, "attendee": 1, "author": 0}


def people_candidates(doc: Document) -> list[PersonCandidate]:
    """Titled or honoured people, each with the roles cued by their own verbs (toolkit.vi.roles.own_roles) in any
    sentence naming them; the strongest is the default role, attendee when no sentence states one."""
    found: dict[str, PersonCandidate] = {}
    order: list[str] = []
    for p in content_paragraphs(doc, captions=True, lead_title=True):
        text = p.text
        sentences = sentence_spans(text, semicolons=False)
        mentions = find_people(text)
        roles_of: dict[int, list[Role]] = {}
        for s0, s1 in sentences:
            inside = [k for k, m in enumerate(mentions) if s0 <= m.quote_span[0] and m.quote_span[1] <= s1]
            spans = [(mentions[k].quote_span[0] - s0, mentions[k].quote_span[1] - s0) for k in inside]
            for k, roles in zip(sorted(inside, key=lambda k: mentions[k].quote_span), own_roles(text[s0:s1], spans)):
                roles_of[k] = roles  # type: ignore[assignment]
        for k, m in enumerate(mentions):
            if not m.title and not m.honorific:
                continue
            sent = span_containing(sentences, m.start, m.end) or (0, len(text))
            cued = roles_of.get(k, [])
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


def grounded_role(role: str, cand: PersonCandidate | None) -> tuple[Role, str | None]:
    """A proposed role (the model's) when the source states it: attendee, or a role cued by the person's own verb
    (`cand.cued_roles`); else the rule role (the candidate's default, attendee without one) and the reason."""
    if role == "attendee" or (cand is not None and role in cand.cued_roles):
        return role, None  # type: ignore[return-value]
    return (cand.default_role if cand else "attendee"), f"role {role!r} has no cue in the source (the person's own clause); rule role used"


def author_candidates(doc: Document) -> list[PersonCandidate]:
    """The byline author (role author), when it can be quoted from a byline paragraph."""
    if not doc.author:
        return []
    for p in doc.paragraphs:
        if p.kind == "byline" and doc.author in p.text:
            return [PersonCandidate(id="a1", name=doc.author, paragraph_id=p.paragraph_id, quote=doc.author, default_role="author")]
    return []
