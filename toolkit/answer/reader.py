"""The reader: scores candidate sentences with the fitted weights and chooses the sentences that
answer (one per part of a multi-part question, up to max_citations), or none (abstain).

    score(cands, weights)            -> sets Candidate.score (probability), sorts best first
    choose(cands, info, settings)    -> [Candidate] (empty: abstain)
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from ..vi.periods import role_of_who, states_role
from ..vi.codes import code_type, find_codes
from ..vi.english import EN_AUX, EN_CUE, verb_and_object
from ..vi.text import fold, strip_marks, syllables
from ..vi.numbers import abbreviate_units
from ..vi.question import QuestionInfo
from ..vi.terms import ORG_WORDS
from .candidates import FEATURES, Candidate
from .records import asked_title_parts, label_holds

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


def _tense_agrees(c: Candidate, info: QuestionInfo) -> bool:
    """A target is asked exactly when the sentence states one (a result never answers a target question)."""
    if "target" in info.wants:
        return bool(c.feats.get("target_match"))
    return not c.feats.get("target_clash")


def _figure_spans(c: Candidate, info: QuestionInfo) -> list:
    """A one-figure Vietnamese question "<verb> bao nhiêu <thing>" and a figure of the sentence in the
    same words: its clause ends with the verb, the thing follows it, and a target is asked exactly
    when the sentence states one ("kết nạp mới bao nhiêu đảng viên" / "kết nạp mới 150 đảng viên")."""
    if info.lang != "vi" or info.n_numbers != 1 or info.n_parts != 1 or not info.focus or "%" in info.focus:
        return []
    m = re.search(r"((?:[^\W\d_]+ ){2})(?:bao nhieu|may) ", strip_marks(fold(info.question)) + " ")
    if not m or not c.covers:
        return []
    verb = m.group(1).strip()
    if not _tense_agrees(c, info):
        return []
    out = []
    for sp in c.spans:
        if sp.kind == "number" and (" " + strip_marks(fold(sp.label))).endswith(" " + verb):
            after = abbreviate_units(" ".join(syllables(fold(c.quote[sp.end: sp.end + 30]))[:3]))
            if any(f" {abbreviate_units(f)}" in f" {abbreviate_units(fold(sp.text))} {after}" for f in info.focus):
                out.append(sp)
    return out


_CLAUSE_EDGE = re.compile(r"[,;:()]")
# function words of a Vietnamese question clause (the words that say what a figure is of stay)
_ASK_STOP = frozenset("là có được đã sẽ của và các những trong năm ngày tháng theo tại với cho thì mà vào ở từ đến "
                      "khoảng hiện nay này đó cả toàn".split())
_TARGET_SYLLABLES = frozenset("đặt đề ra chỉ tiêu mục phấn đấu dự kiến kế hoạch".split())


def _asked_words(info: QuestionInfo, n: int = 6) -> list[str]:
    """The last n content syllables before a Vietnamese figure cue ("bao nhiêu", "mấy") in its own
    clause: what the figure is of ("tổng giá trị sản xuất … đạt bao nhiêu" -> tổng giá trị sản xuất
    đạt), without question words, numbers, names (capitalised), bodies and places."""
    q = re.sub(r"\([^)]*\)", " ", info.question)  # an aside names context
    m = re.search(r"\b(?:bao nhiêu|mấy)\b", q)
    if info.lang != "vi" or not m:
        return []
    clause = q[:m.start()]
    clause = clause[max((e.end() for e in _CLAUSE_EDGE.finditer(clause)), default=0):]
    # the predicate: after the last capitalised word (the body's name, "… Cơ quan và Doanh nghiệp tỉnh Nam Định")
    head = clause[max((w.end() for w in re.finditer(r"[^\W\d_]+", clause) if w.group(0)[:1].isupper()), default=0):]
    skip = _ASK_STOP | (_TARGET_SYLLABLES if "target" in info.wants else frozenset())  # "đặt chỉ tiêu" names the answer type

    def content(text: str) -> list[str]:
        return [fold(w) for w in re.findall(r"[^\W\d_]+", text)
                if not w[:1].isupper() and fold(w) not in skip and fold(w) not in ORG_WORDS]

    words = content(head)
    if len(words) < 2 and " của " in clause:  # "tổng doanh thu của <the body> là bao nhiêu": what comes before "của"
        words = content(clause.split(" của ", 1)[0])
    return words[-n:]


def _asked_terms_en(info: QuestionInfo) -> list[int]:
    """An English figure question's glossed terms after its verb ("How much did the bloc pay to the
    state budget …" -> state budget): what the figure is of, without bodies and places."""
    q = re.sub(r"\([^)]*\)", " ", info.question)  # an aside names context
    m = EN_CUE.search(q)
    if info.lang != "en" or not m:
        return []
    aux = EN_AUX.search(q, m.end())
    # what the figure is of: before the verb ("what target for admitting new members did …") and after it
    tail = q[m.end():aux.start()] + " " + verb_and_object(q[aux.end():]) if aux else q[m.end():]
    tail = tail[:min((e.start() for e in re.finditer(r"[,;?]", tail)), default=len(tail))].lower()
    tail = " " + " ".join(re.findall(r"[^\W_]+", tail)) + " "
    out = []
    for i, t in enumerate(info.terms):
        words = {w for a in t.alts for w in a.split()}
        if t.kind == "gloss" and t.weight > 0 and f" {t.source} " in tail and not words <= ORG_WORDS:
            out.append(i)
    return out


_EN_DATE_CUE = re.compile(r"\b(?:when|what date|which date|what day|which day)\b", re.I)
_EN_EVENT_END = re.compile(r"\s(?:in|at|on|during|by|as of|according to|since|and what|and how)\s|[,;?(]", re.I)


def _asked_event(info: QuestionInfo, cue: re.Pattern) -> list[tuple[str, ...]]:
    """The glossed words of the event an English question asks about (after its cue), from its verb
    to the first adjunct of time or place ("when was the council expected to meet to elect its
    chairman" -> meet, elect, chairman), without bodies and places; none when it holds fewer than
    two (a verb and its object)."""
    m = cue.search(info.question)
    if info.lang != "en" or not m:
        return []
    rest = re.sub(r"\([^)]*\)", " ", info.question[m.end():])
    aux = EN_AUX.match(rest.lstrip())
    if aux:  # "when was the council expected to meet …": the verb after the subject
        rest = verb_and_object(rest.lstrip()[aux.end():])
    end = _EN_EVENT_END.search(rest)
    tail = " " + " ".join(re.findall(r"[^\W_]+", (rest[:end.start()] if end else rest).lower())) + " "
    asked = [t.alts for t in info.terms if t.kind == "gloss" and t.weight > 0 and f" {t.source} " in tail
             and not {w for a in t.alts for w in a.split()} <= ORG_WORDS]
    return asked if len(asked) >= 2 else []


def _states_event(c: Candidate, asked: list[tuple[str, ...]]) -> bool:
    sent = f" {' '.join(syllables(c.quote))} "
    return bool(asked) and all(any(f" {a} " in sent for a in alts) for alts in asked)


def _event_date(c: Candidate, info: QuestionInfo) -> bool:
    """An English date question and a sentence with a day that states the asked event
    (_asked_event), planned exactly when the question asks a plan."""
    if not _tense_agrees(c, info) or not any(sp.kind == "date" and sp.date and sp.date[0] for sp in c.spans):
        return False
    return _states_event(c, _asked_event(info, _EN_DATE_CUE))


def _clause_spans(c: Candidate, info: QuestionInfo) -> list:
    """A one-figure Vietnamese question and a figure of the sentence whose own clause (from the last
    comma or semicolon before it) holds every word the question puts before its figure cue: the
    figure of the thing asked, not of a neighbouring one ("tổng giá trị sản xuất đạt bao nhiêu" is
    not answered by "tốc độ tăng giá trị sản xuất đạt 15,33%")."""
    words = _asked_words(info)
    en = [info.terms[i].alts for i in _asked_terms_en(info)]
    share = info.focus == ("%",)  # "what rate / share": a percentage in the asked words' clause
    if (len(words) < 2 and not en) or info.n_numbers != 1 or ("%" in info.focus and not share) or (info.focus and not c.covers):
        return []
    if not _tense_agrees(c, info):
        return []
    return clause_figures(c, [(w,) for w in words] if words else en, share)


def clause_figures(c: Candidate, asked: list[tuple[str, ...]], share: bool = False) -> list:
    """The figures of the sentence whose own clause (from the last comma or semicolon before it, the
    figure and the three words after it) holds one of the alternatives of every asked word (a
    percentage only, for a share)."""
    out = []
    for sp in c.spans:
        if not asked or sp.kind != "number" or (share and "%" not in sp.text):
            continue
        head = c.quote[:sp.start]
        edges = [0] + [e.end() for e in _CLAUSE_EDGE.finditer(head)]
        own = syllables(head[edges[-1]:])
        if len(own) < 2 and len(edges) > 1:  # "… đạt cao, trên 71 triệu": the figure's clause goes on from the last
            own = syllables(head[edges[-2]:])
        after = syllables(c.quote[sp.end:sp.end + 40])[:3]  # the counted thing ("… 300 đảng viên mới")
        clause = f" {' '.join(own + syllables(sp.text) + after)} "
        if all(any(f" {a} " in clause for a in alts) for alts in asked):
            out.append(sp)
    return out


_DETERMINERS = frozenset("hai ba bốn năm các những mọi về của cho là với".split())


def _predicate_match(c: Candidate, info: QuestionInfo) -> bool:
    """A Vietnamese "what / which" question of no typed answer ("thông qua nghị quyết chuyên đề về nội
    dung gì", "hợp nhất hai đảng bộ nào") and a sentence that writes the two words before its asked
    noun (the noun: the two syllables before "gì" / "nào"; counts and prepositions skipped) and goes on
    after them: the sentence states what the question's predicate acts on."""
    if info.lang != "vi":
        return False
    m = re.search(r"\b(?:gì|nào)\b", info.question)
    if not m:
        return False
    clause = info.question[:m.start()]
    clause = clause[max((e.end() for e in _CLAUSE_EDGE.finditer(clause)), default=0):]
    words = [fold(w) for w in re.findall(r"[^\W\d_]+", clause)][:-2]  # without the asked noun
    while words and words[-1] in _DETERMINERS:
        words.pop()
    if len(words) < 2 or words[-1] in _ASK_STOP or words[-2] in _ASK_STOP:
        return False
    sent = syllables(c.quote)
    pair = words[-2:]
    return any(sent[i:i + 2] == pair and len(sent) - i >= 5 for i in range(len(sent) - 1))


def title_holders(c: Candidate, info: QuestionInfo) -> list:
    """The people of the sentence who hold the title a who-question asks the holder of ("Ai là Bí thư
    Tỉnh ủy", "who is the Chief of Office of …"), not as its deputy; none when it asks no title."""
    asked = asked_title_parts(info)
    if not asked:
        return []
    q = f" {' '.join(syllables(info.question))} "
    return [sp for sp in c.spans if sp.kind == "person" and sp.label and label_holds(sp.label, asked)
            and f" {' '.join(syllables(sp.text))} " not in q]


def key_spans(c: Candidate, info: QuestionInfo) -> list:
    """The figures of the sentence that answer a one-figure question in its own terms (its verb and
    counted thing, or the words before its cue, in the figure's own clause): what the answer states."""
    if c.feats.get("name_absent"):
        return []
    return _figure_spans(c, info) or _clause_spans(c, info)


def _sole_count(c: Candidate, info: QuestionInfo, others: list[Candidate]) -> bool:
    """A count question ("how many <thing>") and the one sentence of its document that states a
    figure of that thing ("136 doanh nghiệp"): no other sentence there counts it, so the figure is
    not one of several of the same kind (admitted, expelled, total members…). Not for a target
    question unless the sentence sets one, nor for a figure asked as a result in a target clause."""
    if not info.focus or "%" in info.focus or info.n_numbers != 1 or not set(info.focus) <= c.covers:
        return False
    if not _tense_agrees(c, info):
        return False
    if not _states_the_act(c, info):
        return False
    return not any(o.doc_id == c.doc_id and o.quote != c.quote and o.covers & c.covers for o in others)


def _states_the_act(c: Candidate, info: QuestionInfo) -> bool:
    """The sentence holds a content word of the question beyond the counted thing and the bodies
    and places ("thành lập" of "how many businesses were established"): "Toàn xã hiện có 212 đảng
    viên" does not answer how many members were admitted."""
    thing = {w for f in info.focus for w in f.split()}
    for i in c.matched:
        t = info.terms[i]
        words = {w for a in t.alts for w in a.split()}
        if t.kind in ("gloss", "word", "pair") and t.weight > 0 and not words & thing and not words <= ORG_WORDS:
            return True
    return False


def key_match(c: Candidate, info: QuestionInfo, others: list[Candidate] | None = None) -> bool:
    """The sentence holds all the question asks in the question's own terms (it then answers at the
    lead bar): for a figure question, its figure framed by the question's verb and counted thing
    (key_spans, or the one sentence of its report counting the asked thing); for a meeting-date question, the date where the verified record found it
    (feats["record_date"]); for a document question, a code of each asked kind ("chỉ thị nào" ->
    a CT code) other than those the question names and, when a date is asked, the date of issue of
    the asked or named document (a code is followed by its date, a fact of the genre). A question
    that mixes a figure or a person with a code or date never matches."""
    if c.feats.get("name_absent"):
        return False  # a report that does not name the place or body asked about answers nothing in its terms
    if info.wants and info.wants <= {"number", "target"}:
        return bool(key_spans(c, info)) or (others is not None and _sole_count(c, info, others))
    if not info.wants:
        return _predicate_match(c, info)
    if "person" in info.wants and not {"number", "code", "date"} & info.wants:
        return bool(title_holders(c, info))
    if info.wants == {"date"} and c.feats.get("record_date"):
        return True  # the meeting's date, where the verified record found it
    if info.wants - {"target"} == {"date"} and _event_date(c, info):
        return True
    if not ({"code", "date"} & info.wants) or {"number", "person", "title"} & info.wants:
        return False
    named = {code for _, _, code in find_codes(info.question)}
    found: set[str] = set()
    if "code" in info.wants:
        codes = [sp.text for sp in c.spans if sp.kind == "code" and sp.text not in named]
        if not info.code_types or not info.code_types <= {code_type(t) for t in codes}:
            return False
        found = {t for t in codes if code_type(t) in info.code_types}
    if "date" in info.wants:
        return any(sp.kind == "date" and sp.label and sp.label in (found or named) for sp in c.spans)
    return True


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
    if typed and typed[0].score < bar and typed[0].score >= lead_below:
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
