"""The reader: scores candidate sentences with the fitted weights and chooses the sentences that
answer (one per part of a multi-part question, up to max_citations), or none (abstain).

    score(cands, weights)            -> sets Candidate.score (probability), sorts best first
    choose(cands, info, settings)    -> [Candidate] (empty: abstain)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..vi.periods import role_of_who, states_role
from ..vi.question import QuestionInfo
from ..vi.terms import ORG_WORDS
from .candidates import FEATURES, Candidate
from .keys import key_match

if TYPE_CHECKING:
    from ..settings import AnswerSettings


def probability(feats: dict[str, float], weights: dict[str, float]) -> float:
    z = sum(weights.get(f, 0.0) * feats.get(f, 0.0) for f in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def score(cands: list[Candidate], weights: dict[str, float]) -> list[Candidate]:
    for c in cands:
        c.score = probability(c.feats, weights)
    cands.sort(key=lambda c: (-c.score, c.rank, c.start))
    return cands


def _typed(c: Candidate) -> bool:
    return c.feats.get("type", 1.0) >= 0.999


def _new_terms(c: Candidate, info: QuestionInfo, have: set[int]) -> set[int]:
    """Name and word concepts of the question this sentence adds to those already covered."""
    return {i for i in c.matched - have if info.terms[i].kind in ("name", "word", "gloss") and info.terms[i].weight > 0}


def _people(c: Candidate) -> set[str]:
    return {s.text for s in c.spans if s.kind == "person"}


def _holds_content(c: Candidate, info: QuestionInfo) -> bool:
    """The sentence holds a word of what the question asks, beyond the names of places, bodies and
    people and the words of bodies: a lead that comes only from naming the asked place says nothing
    about the asked thing ("Châu Đức … trao Huy hiệu 75 năm tuổi Đảng" for Châu Đức's budget revenue)."""
    named = {w for t in info.terms if t.kind == "name" for a in t.alts for w in a.split()}
    for i in c.matched:
        t = info.terms[i]
        words = {w for a in t.alts for w in a.split()}
        if t.kind in ("gloss", "word", "pair") and t.weight > 0 and not words <= ORG_WORDS | named:
            return True
    return False


def parts_wanted(info: QuestionInfo) -> int:
    """How many answering sentences a question may need: its parts, the figures it asks for, or
    one per place/body it names when it compares them."""
    names = sum(1 for t in info.terms if t.kind == "name" and t.weight > 0)
    compare = names >= 2 and info.n_parts >= 2
    return max(info.n_parts, info.n_numbers, 2 if compare or "list" in info.wants else 1)


def eligible(cands: list[Candidate], info: QuestionInfo) -> list[Candidate]:
    """The candidates (best first) that may answer: of the asked type, not gated by year or period,
    and for a one-part Vietnamese count question stating the counted thing next to a figure."""
    counted_vi = info.lang == "vi" and bool(info.focus) and info.n_parts == 1
    return [c for c in cands if _typed(c) and not c.gated and (c.covers or not counted_vi)]


def choose(cands: list[Candidate], info: QuestionInfo, settings: "AnswerSettings", single: bool = False) -> list[Candidate]:
    """The best sentence that holds the asked type, never one whose year or period contradicts the
    question's (Candidate.gated), and for a one-part Vietnamese count question only one stating the
    counted thing next to a figure; for a question of several parts, further sentences (at least
    extra_ratio of the best's probability) that answer a part the chosen ones leave open (a counted
    thing, a further person) or add a question concept. Nothing (abstain) when the best probability
    is under abstain_below (role_below for a who-question whose sentence states the asked role), or
    when a part of a counted or several-people question stays unanswered."""
    typed = eligible(cands, info)
    bar = settings.abstain_below_en if info.lang == "en" else settings.abstain_below
    who_role = role_of_who(info.question) if "person" in info.wants else None
    if typed and who_role and not states_role(who_role, typed[0].quote):
        # a sentence that names a person in the role the who-word asks outranks one that does not
        stated = next((c for c in typed[1:] if c.score >= settings.role_below and states_role(who_role, c.quote)), None)
        if stated is not None:
            typed = [stated] + [c for c in typed if c is not stated]
    if typed and who_role and states_role(who_role, typed[0].quote):
        bar = min(bar, settings.role_below)  # it names a person and states the role the who-word asks
    lead_below = settings.lead_below_en if info.lang == "en" else settings.lead_below
    if typed and not key_match(typed[0], info, cands):
        keyed = next((c for c in typed[1:] if c.score >= typed[0].score - settings.key_tie and key_match(c, info, cands)), None)
        if keyed is not None:  # nearly tied, and it holds what the question asks in its own terms
            typed = [keyed] + [c for c in typed if c is not keyed]
    if typed and key_match(typed[0], info, cands):
        bar = min(bar, settings.key_below_en if info.lang == "en" else settings.key_below)  # structure, not wording
    if typed and typed[0].score < bar and typed[0].score >= lead_below and _holds_content(typed[0], info):
        # the runner-up: the next sentence of the asked type, else the best of any other sentence
        runner = next((c.score for c in typed[1:] if c.quote != typed[0].quote), None)
        if runner is None or info.n_numbers > 1 or info.n_parts > 1:  # several asked: a sentence with some of them competes too
            runner = max((c.score for c in cands if c.quote != typed[0].quote), default=None)
        if runner is not None and typed[0].score - runner >= settings.lead_gap:  # a lone sentence leads nothing
            bar = typed[0].score  # a clear lead over every other sentence is confidence of its own
    if not typed or typed[0].score < bar:
        return []
    best = typed[0]
    chosen = [best]
    if single:  # one part of a multi-part question: its best sentence
        return chosen
    need = min(parts_wanted(info), settings.max_citations)
    counted = len(info.focus) >= 2 and need >= 2  # "how many X and what share": one counted thing per part
    people = info.n_people if "person" in info.wants and info.n_people >= 2 else 0  # "who ... and who ..."
    need = max(need, min(people, settings.max_citations))
    have, covered, named = set(best.matched), set(best.covers), _people(best)
    for c in typed[1:]:
        if len(chosen) >= need or c.score < settings.extra_ratio * best.score:
            break
        if (counted and covered >= set(info.focus)) or (people and len(named) >= people):
            break  # every part is answered
        if any(c.doc_id == o.doc_id and c.paragraph_id == o.paragraph_id and c.start == o.start for o in chosen):
            continue
        if any(o.quote in c.quote or c.quote in o.quote for o in chosen):
            continue
        if "person" in info.wants and not people and named and _people(c) - named and "attend" not in info.roles:
            continue  # one person asked ("who …, and what posts did he hold"): another person's sentence adds nothing
        if counted:
            ok = bool(c.covers - covered)  # it answers a part the chosen sentences leave open
        elif people:
            ok = bool(_people(c) - named)  # it names a person the chosen sentences do not
        else:
            ok = bool(_new_terms(c, info, have)) or c.doc_id == best.doc_id
        if ok:
            chosen.append(c)
            have |= c.matched
            covered |= c.covers
            named |= _people(c)
    if counted and info.lang == "vi" and len(covered) < min(len(info.focus), need):
        return []  # a part of the question is left unanswered: abstain rather than answer half
    if people and len(named) < people:
        return []  # fewer people than the question asks for
    chosen.sort(key=lambda c: (c.doc_id != best.doc_id, c.doc_id, c.paragraph_id, c.start))
    return chosen
