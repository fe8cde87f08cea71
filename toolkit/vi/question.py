"""Question analysis: language, input hygiene, the kind of answer wanted, content terms, periods.

    clean_question(q) -> q without instruction-like sentences
    detect_language(q) -> 'vi' | 'en'
    analyse_question(q) -> QuestionInfo (lang, wants, terms, numbers, years, periods, roles)

Cue words are facts of the two languages (question words, period phrases, role verbs); nothing
here names an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .text import fold, nfc, strip_marks
from .outlets import without_outlets
from .terms import _EN_STOP, _VI_LETTERS, _VI_QSTOP, Term, dedupe_terms, en_terms, vi_terms
from .periods import periods_in, roles_asked, years_in

MAX_QUESTION_CHARS = 10_000  # longer questions are cut here
RETRIEVAL_CHARS = 600  # what retrieval and scoring see of a (cleaned) question


Lang = Literal["vi", "en"]

_VI_STOP_PLAIN = frozenset(
    """cua va la nhung duoc co nao bao nhieu ai gi trong nam ngay cac da cho voi tai thang tinh
    nay nhu the khi mot hoi nghi dang""".split()
)



def detect_language(text: str) -> Lang:
    """'en' when English function words dominate, else 'vi' (Vietnamese names inside English
    questions do not flip it)."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if not words:
        return "vi"
    en = sum(w in _EN_STOP for w in words)
    vi_marked = sum(1 for w in words if _VI_LETTERS.search(w))
    vi_plain = sum(1 for w in words if strip_marks(w) in _VI_STOP_PLAIN and _VI_LETTERS.search(w))
    if en >= 2 and en >= vi_plain and en * 2 >= len(words) * 0.25:
        return "en"
    if vi_marked * 3 >= len(words) or vi_plain:
        return "vi"
    return "en" if en else "vi"


# --- input hygiene ------------------------------------------------------------------------

# Matched against strip_marks(fold(sentence)): instruction-like text, not questions about the sources.
INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,60}\b(instructions?|prompts?|rules?|above|previous|prior|context)\b"
    r"|\bsystem\s+prompt\b|\b(print|reveal|show|repeat|output)\b.{0,40}\b(prompt|instructions?)\b"
    r"|\byou\s+are\s+now\b|\bact\s+as\b|\bpretend\b|\bjailbreak\b"
    r"|\bbo\s+qua\b.{0,60}\b(huong\s+dan|chi\s+dan|chi\s+thi\s+truoc|yeu\s+cau|lenh|quy\s+tac)\b"
    r"|\b(in|hien|tiet\s+lo|neu)\s+ra\b.{0,40}\b(prompt|loi\s+nhac|huong\s+dan|he\s+thong)\b"
    r"|\b(hay|ban)\s+(dong\s+vai|tra\s+loi\s+rang|noi\s+rang|viet\s+rang)\b"
    r"|\b(answer|say|reply|respond)\s+(only\s+)?(with|that)\b",
    re.I | re.S,
)
_SENT_SPLIT = re.compile(r"(?<=[.?!…\n])\s+|(?<=[.?!…]['\"’”»\]])\s+")


def clean_question(question: str) -> str:
    """The question without instruction-like sentences, NFC, cut to MAX_QUESTION_CHARS."""
    q = nfc(question or "")[:MAX_QUESTION_CHARS]
    parts = [p.strip() for p in _SENT_SPLIT.split(q) if p.strip()]
    kept = list(dict.fromkeys(p for p in parts if not INJECTION.search(strip_marks(fold(p)))))
    return re.sub(r"\s+", " ", " ".join(kept)).strip()


# --- question analysis ------------------------------------------------------------------

_NUM_CUES_VI = re.compile(r"\b(bao nhieu phan tram|bao nhieu|may|ty le|phan tram|so luong)\b")
_TARGET_CUES = re.compile(r"\b(đặt|đề ra|đặt ra) chỉ tiêu|\bchỉ tiêu\b.{0,40}\b(đặt ra|đề ra)|phấn đấu|mục tiêu|dự kiến"
                          r"|\b(target|aim|goal)s?\b(?!\s+(?:\S+\s+){0,2}?(?:met|achieved|exceeded|completed|fulfilled|reached|surpassed|attained)\b)"
                          r"|\bplan(ned)? to\b|\b(expected|projected|forecast) to\b")
_COUNTED_TARGETS = re.compile(r"\bhow many (?:\S+ ){0,3}?(?:targets|goals)\b")  # a count of targets met is a result
_TARGET_WORDS = frozenset({"target", "targets", "goal", "goals", "aim", "chỉ", "tiêu", "chỉ tiêu", "mục tiêu", "phấn", "đấu", "phấn đấu"})
_TARGET_MARKS = re.compile(r"trở lên|phấn đấu|ít nhất|tối thiểu|mục tiêu|đề ra|chỉ tiêu đặt", re.I)
_NUM_CUES_EN = re.compile(r"\b(how many|how much|what share|what percentage|what proportion|what rate|what number|what target|what was the target|what figure|what percent)\b"
                          r"|\b(what|which)\s+(\S+\s+){0,8}?(rate|income|revenue|value|values|figure|figures|total|share|percentage|growth|turnover|output|number|amount|profit|budget)\b"
                          r"|\bby (what|how much)\b")
_DATE_CUES_VI = re.compile(r"\b(ngay nao|khi nao|bao gio|thoi gian nao|ngay bao nhieu|ngay may|thoi diem nao|nam nao|thang nao)\b")
_DATE_CUES_EN = re.compile(r"\b(when|what date|which date|what day|which day|on what day|what year|which year|which month"
                           r"|(?:what|which) (?:is|was) the (?:date|day))\b")
_PERSON_CUES_VI = re.compile(r"(^|[\s,;:(])ai(?=$|[\s,?.;:)])|\bvi nao\b|\bdong chi nao\b|\bong nao\b|\bba nao\b|\bnguoi nao\b")
_PERSON_CUES_EN = re.compile(r"\b(who|whom|whose|name of the)\b|\bwhich\s+(\S+\s+){0,5}?(comrade|official|officials|leader|leaders|person|people|member|members of the politburo|secretary|chairman|chairwoman)\b")
_CODE_TYPES = {
    "NQ": ("resolution", "nghi quyet"),
    "CT": ("directive", "chi thi"),
    "KL": ("conclusion", "ket luan"),
    "QĐ": ("decision", "quyet dinh"),
    "QĐ ": ("regulation", "quy dinh"),
    "KH": ("plan", "ke hoach"),
    "ĐA": ("project", "de an"),
    "HD": ("guidance", "huong dan"),
    "TB": ("notice", "thong bao"),
    "CTr": ("programme", "chuong trinh"),
}
# the document word is the asked thing's head ("which 2023 plan"), not the object of another noun ("what percentage of the plan")
_CODE_CUES_EN = re.compile(r"\b(which|what)\s+((?!(?:of|in|for|to|on|by)\b)\w+\s+){0,3}?(resolution|directive|conclusion|decision|regulation|plan|project|document|guidance|notice)\b")
_CODE_CUES_VI = re.compile(r"\b(nghi quyet|chi thi|ket luan|quyet dinh|quy dinh|ke hoach|de an|van ban|huong dan|thong bao|chuong trinh)"
                           r"(?:\s+hanh dong)?\s+(so\s+)?(nao|gi|may)\b")

# Per question language: (date, person, code cues; the code-cue group naming the document type and
# that language's column in _CODE_TYPES; number cues)
CUES = {
    "en": (_DATE_CUES_EN, _PERSON_CUES_EN, _CODE_CUES_EN, 3, 0, _NUM_CUES_EN),
    "vi": (_DATE_CUES_VI, _PERSON_CUES_VI, _CODE_CUES_VI, 1, 1, _NUM_CUES_VI),
}


@dataclass
class QuestionInfo:
    question: str  # cleaned
    lang: Lang
    wants: set[str]
    n_numbers: int  # how many numbers are asked for
    terms: list[Term]
    numbers: list[set[float]]  # numbers written in the question
    code_types: set[str] = field(default_factory=set)
    focus: tuple[str, ...] = ()  # what is counted ("bao nhiêu đảng viên" -> "đảng viên"); "%" for percentages
    years: set[int] = field(default_factory=set)  # years the question names
    periods: set[str] = field(default_factory=set)  # period keys: 'm6' (first six months), 'm9', 'q3', ...
    roles: list[str] = field(default_factory=list)  # roles asked about: chair, head, attend, speak, present, ...
    n_parts: int = 1  # how many things are asked ("how many X and what share": 2)
    n_people: int = 0  # how many people are asked for ("who ... and who ...", "which two officials": 2)


def _plain(s: str) -> str:
    return strip_marks(fold(s))


def number_values(text: str) -> list[set[float]]:
    """The values of every number written in text (either notation)."""
    from .numbers import values_in

    return [set(v) for v in values_in(text, "auto") if v]


def analyse_question(question: str) -> QuestionInfo:
    """Language, the kind of answer wanted, and the weighted content terms (glossary-expanded
    for English)."""
    q = question if len(question) <= RETRIEVAL_CHARS else question[:RETRIEVAL_CHARS].rsplit(" ", 1)[0]
    lang = detect_language(q)
    # what the question asks is said outside its asides: "(Báo X, 19 targets)" names the report, asks nothing
    asked = re.sub(r"\([^)]*\)", " ", q)
    pl = _plain(asked)
    wants: set[str] = set()
    code_types: set[str] = set()
    date_re, person_re, code_re, type_group, column, num_re = CUES["en" if lang == "en" else "vi"]
    if date_re.search(pl):
        wants.add("date")
    if person_re.search(pl):
        wants.add("person")
    for m in code_re.finditer(pl):  # every asked kind: "kết luận nào ..., và chỉ thị nào ..."
        wants.add("code")
        code_types |= {k.strip() for k, names in _CODE_TYPES.items() if names[column] == m.group(type_group)}
    # a number cue inside a date cue ("ngày bao nhiêu") or a document cue ("kế hoạch số mấy") asks that, not a figure
    n_num = len(num_re.findall(code_re.sub(" ", date_re.sub(" ", pl))))
    if n_num:
        wants.add("number")
    if _TARGET_CUES.search(_COUNTED_TARGETS.sub(" ", fold(asked))):
        wants.add("target")
        if not ({"date", "person", "code"} & wants):
            wants.add("number")
            n_num = max(n_num, 1)
    numbers = number_values(q)
    content = without_outlets(q)  # the outlet that carried the report says who reported, not what
    terms = en_terms(content) if lang == "en" else vi_terms(content)
    if "target" in wants:  # the words that say "target" name the answer type, not its content
        terms = [t for t in terms if t.source not in _TARGET_WORDS]
    # numbers of the question ("9 tháng", "năm 2021", "lần thứ 8") are terms too
    for raw in re.findall(r"\d+(?:[.,]\d+)*", content):
        terms.append(Term(alts=(raw,), source=raw, is_number=True, kind="number"))
    terms = dedupe_terms(terms)
    if _TITLE_CUES.search(pl):
        wants.add("title")
    if _PLACE_CUES.search(pl):
        wants.add("place")
    if _LIST_CUES.search(pl):
        wants.add("list")
    n_parts = _count_parts(pl)
    m_count = _COUNT_CUE.search(pl)
    if m_count:
        n_parts = max(n_parts, _COUNT_WORDS[m_count.group(1) or m_count.group(2)])
    n_people = len(person_re.findall(pl)) + (_COUNT_WORDS[m_count.group(1) or m_count.group(2)] - 1 if m_count else 0)
    return QuestionInfo(question=q, lang=lang, wants=wants, n_people=min(3, n_people), n_numbers=max(1, n_num) if "number" in wants else 0,
                        terms=terms, numbers=numbers, code_types=code_types,
                        focus=_focus(q, lang, terms) if "number" in wants else (),
                        years=years_in(q), periods=periods_in(q), roles=roles_asked(q), n_parts=min(3, n_parts))


_EN_NP_END = frozenset("did does do was were is are has have had will would could can in of at for from by to and or "
                       "that which who with on during since".split())


def _focus(q: str, lang: Lang, terms: list[Term]) -> tuple[str, ...]:
    """The counted thing right after the number question word, as folded Vietnamese alternatives."""
    out: list[str] = []
    if lang == "vi":
        for m in re.finditer(r"\b(bao nhiêu|mấy)\s+((?:[^\W\d_]+\s*){1,2})", fold(q)):
            words = [w for w in m.group(2).split() if w not in _VI_QSTOP]
            if m.group(2).startswith("phần trăm"):
                out.append("%")
            elif words:
                out.append(" ".join(words[:2]))
        if re.search(r"\b(phần trăm|tỷ lệ)\b", fold(q)):
            out.append("%")
    else:
        low = q.lower()
        # "how many of the district's targets": the counted thing follows the possessor
        low = re.sub(r"\b(how many|how much) of (?:the )?[^?,;]*?['’]s\s+", r"\1 ", low)
        for m in re.finditer(r"\b(how many|how much)\s+((?:[\w'’-]+\s*){1,6})", low):
            # the noun phrase after the cue, up to a verb or a preposition; its head is its last gloss
            phrase = []
            for w in re.findall(r"[^\W_]+", m.group(2)):
                if w in _EN_NP_END:
                    break
                phrase.append(w)
            words = f" {' '.join(phrase)} "
            heads = [(words.rfind(f" {t.source} "), t) for t in terms if t.kind == "gloss" and f" {t.source} " in words]
            if heads:
                out.extend(max(heads, key=lambda h: h[0] + len(h[1].source))[1].alts)
        if re.search(r"\b(share|percentage|percent|proportion|rate)\b", low):
            out.append("%")
    return tuple(dict.fromkeys(out))


# --- answer types, periods, roles ---------------------------------------------------------------
# Matched on strip_marks(fold(question)).

_TITLE_CUES = re.compile(r"\bchuc vu\b|\bcuong vi\b|\bgiu chuc\b|\b(what|which) (position|post|title|office)\b|\bwhat (is|was) (his|her) (title|position)")
_PLACE_CUES = re.compile(r"\bo dau\b|\btai dau\b|\bdia diem nao\b|\bwhere\b|\bwhat venue\b|\bwhich venue\b")
_LIST_CUES = re.compile(r"\b(nhung|cac)\s+(nhiem vu|chi tieu|giai phap|noi dung|muc tieu)\b.{0,40}\b(nao|gi)\b"
                        r"|\bwhich (tasks|targets|goals|solutions|measures|contents|priorities)\b|\bwhat (tasks|targets|goals|measures)\b")
_PART_SPLIT = re.compile(r"\b(va|and)\s+(bao nhieu|may|ai|ngay nao|what|how many|how much|who|which|when|since when|by how much|dat|o dau|where|tu khi nao|tu bao gio|to whom|for whom|with whom|cho ai|voi ai)\b"
                         r"|,\s*(and\s+)?(what|how many|how much|who|which|when)\b")

_ASKS = re.compile(r"\b(bao nhieu|may|ai|nao|gi|what|how|who|whom|which|when|where)\b")


def _count_parts(pl: str) -> int:
    """How many things a question asks: 1, plus one per split ("và bao nhiêu", ", and what") that
    follows a stretch which itself asks something ("According to ..., how many ..." asks one)."""
    n, last = 1, 0
    for m in _PART_SPLIT.finditer(pl):
        if _ASKS.search(pl, last, m.start()):
            n += 1
            last = m.start() + 1  # the next stretch starts with this split's own question word
    return n


_COUNT_WORDS = {"two": 2, "three": 3, "hai": 2, "ba": 3, "both": 2}
_COUNT_CUE = re.compile(r"\b(?:which|what|who were the|name the)\s+(two|three|both)\b|\b(hai|ba)\s+(?:dong chi|nguoi|vi|ong|ba|can bo|lanh dao)\b.{0,20}\b(nao|la ai)\b")
