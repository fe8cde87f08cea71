"""Whether a sentence holds what the question asks in its own terms (a key match): a structural
fact about the sentence, not a score. A key-matched sentence answers at a lower bar than the
reader's probability alone would need (Settings.answer.key_below / key_below_en), and takes the
place of a nearly tied sentence that is not one.

    key_match(c, info, others)  -> bool
    key_spans(c, info)          -> the figures that answer a one-figure question in its own terms
    clause_figures(c, asked)    -> the figures whose own clause holds every asked word
    title_holders(c, info)      -> the people holding the title a who-question asks about

Each test is a fact of the two languages' question grammar or of the genre: the words before a
Vietnamese figure cue, the English verb and object, the counted thing after a figure, the event of
a date question, the predicate before "gì / nào", the title after "Ai là / who is the".
"""

from __future__ import annotations

import re

from ..vi.codes import code_type, find_codes
from ..vi.english import EN_AUX, EN_CUE, verb_and_object
from ..vi.numbers import abbreviate_units
from ..vi.question import QuestionInfo
from ..vi.terms import ORG_WORDS, glossed_in
from ..vi.text import fold, joined, strip_marks, syllables
from .candidates import Candidate
from .records import asked_title_parts, label_holds


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
    return glossed_in(info.terms, tail[:min((e.start() for e in re.finditer(r"[,;?]", tail)), default=len(tail))])


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
    asked = [info.terms[i].alts for i in glossed_in(info.terms, rest[:end.start()] if end else rest)]
    return asked if len(asked) >= 2 else []


def _states_event(c: Candidate, asked: list[tuple[str, ...]]) -> bool:
    sent = joined(c.quote)
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
        if len(own) < 2 and len(edges) > 1 and not (own and fold(own[0]) in _CHANGE):
            # "… đạt cao, trên 71 triệu": the figure's clause goes on from the last ("…, tăng 4%" is a change of it)
            own = syllables(head[edges[-2]:])
        after = syllables(c.quote[sp.end:sp.end + 40])[:3]  # the counted thing ("… 300 đảng viên mới")
        clause = f" {' '.join(own + syllables(sp.text) + after)} "
        if all(any(f" {a} " in clause for a in alts) for alts in asked):
            out.append(sp)
    return out


_CHANGE = frozenset("tăng giảm bằng chiếm vượt".split())  # a figure after these is a change or share of the one before
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
    q = joined(info.question)
    return [sp for sp in c.spans if sp.kind == "person" and sp.label and label_holds(sp.label, asked)
            and joined(sp.text) not in q]


def key_spans(c: Candidate, info: QuestionInfo) -> list:
    """The figures of the sentence that answer a one-figure question in its own terms (its verb and
    counted thing, or the words before its cue, in the figure's own clause): what the answer states."""
    if c.feats.get("name_absent"):
        return []
    return [sp for sp in _figure_spans(c, info) or _clause_spans(c, info) if not _breakdown(c, sp, info)]


_BREAKDOWN = re.compile(r"(?:^|[,;:(]\s*)trong đó\b[^,;:()]*$", re.I)


def _breakdown(c: Candidate, sp, info: QuestionInfo) -> bool:
    """The figure is a part of a total ("…, trong đó thu trên địa bàn 2.277 tỷ đồng", "Trong đó, Tổng
    Công ty X nộp 2.541 tỷ đồng"): it answers a question about the whole only when the question
    names the part (a name of the question stands in the figure's own clause)."""
    head = c.quote[:sp.start]
    if not (_BREAKDOWN.search(head) or re.match(r"\s*trong đó\b", c.quote, re.I)):
        return False
    own = joined(head[max((e.end() for e in _CLAUSE_EDGE.finditer(head)), default=0):])
    return not any(t.kind == "name" and any(f" {a} " in own for a in t.alts) for t in info.terms)


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
