"""Cited question answering: retrieve, find the supporting clause, answer by one of four routes.

    ask(question, settings=, store=, index=, llm=) -> Answer
    ask_many(settings, [(id, question)]) -> [(id, Answer)]
    answer_json(answer, qid) -> dict   (the gold README format, plus "quote" and "route")

Routes, cheapest first (the 1.5B model costs seconds per call, so it is used only to phrase an
English sentence from one short verified clause):
- record:     who / which document / what date, answered from a verified record item whose
              evidence lies in the supporting clause;
- extractive: the supporting clause quoted (Vietnamese questions; English fallback
              "The source says: «…»");
- model:      English questions: the model phrases one sentence from the clause only; the
              sentence must pass toolkit.verify.check against the cited paragraph;
- abstain:    the support score is under settings.answer.abstain_below.

Text in questions and articles is data: instruction-like sentences are removed from the question
before anything else, and the model sees a fixed template with the clause as a delimited block.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal

from .llm import LazyLLM
from .schemas import Answer, Citation, Document, Record
from .textnorm import clause_spans, fold, nfc, sentence_spans, strip_marks, syllables

if TYPE_CHECKING:
    from .index import Hit, Index
    from .llm import LLM
    from .settings import Settings
    from .store import Store

MAX_QUESTION_CHARS = 10_000  # longer questions are cut here
RETRIEVAL_CHARS = 600  # what retrieval and scoring see of a (cleaned) question
PROMPT_QUESTION_CHARS = 300  # what the model sees of the question
CLAUSE_WORDS = 40
MODEL_MAX_TOKENS = 40  # one English sentence of ~20 words; at ~12 tokens/s this bounds the model's share  # a supporting quote longer than this is trimmed to a window of pieces
GLOSSARY_PATH = Path(__file__).resolve().parent / "data" / "glossary_en_vi.json"

ABSTAIN_TEXT = {
    "vi": "Các nguồn hiện có không chứa thông tin này.",
    "en": "The sources do not contain this information.",
}
EN_LEAD = "The source says: «{quote}»"

Lang = Literal["vi", "en"]

# --- language ------------------------------------------------------------------------------

_EN_STOP = frozenset(
    """a an the of in on at to for from by with and or did does do was were is are be been
    how many much what which who whom whose when where why did this that these those their its
    first after before during into as than have has had there it they he she set hold held""".split()
)
_VI_STOP_PLAIN = frozenset(
    """cua va la nhung duoc co nao bao nhieu ai gi trong nam ngay cac da cho voi tai thang tinh
    nay nhu the khi mot hoi nghi dang""".split()
)
_VI_LETTERS = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


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
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,60}\b(instructions?|prompts?|rules?|above|previous|prior|context)\b"
    r"|\bsystem\s+prompt\b|\b(print|reveal|show|repeat|output)\b.{0,40}\b(prompt|instructions?)\b"
    r"|\byou\s+are\s+now\b|\bact\s+as\b|\bpretend\b|\bjailbreak\b"
    r"|\bbo\s+qua\b.{0,60}\b(huong\s+dan|chi\s+dan|chi\s+thi\s+truoc|yeu\s+cau|lenh|quy\s+tac)\b"
    r"|\b(in|hien|tiet\s+lo|neu)\s+ra\b.{0,40}\b(prompt|loi\s+nhac|huong\s+dan|he\s+thong)\b"
    r"|\b(hay|ban)\s+(dong\s+vai|tra\s+loi\s+rang|noi\s+rang|viet\s+rang)\b"
    r"|\b(answer|say|reply|respond)\s+(only\s+)?(with|that)\b",
    re.I | re.S,
)
_SENT_SPLIT = re.compile(r"(?<=[.?!…\n])\s+")


def clean_question(question: str) -> str:
    """The question without instruction-like sentences, NFC, cut to MAX_QUESTION_CHARS."""
    q = nfc(question or "")[:MAX_QUESTION_CHARS]
    parts = [p.strip() for p in _SENT_SPLIT.split(q) if p.strip()]
    kept = list(dict.fromkeys(p for p in parts if not _INJECTION.search(strip_marks(fold(p)))))
    return re.sub(r"\s+", " ", " ".join(kept)).strip()


# --- question analysis ------------------------------------------------------------------

_VI_QSTOP = frozenset(
    """ai là gì nào bao nhiêu mấy khi giờ diễn ra vào được của và các những đã có cho với
    tại trong trên dưới sau trước đến từ thì mà này đó ấy thế như hay hoặc bị bởi ở số về
    ngày năm tháng mới đạt đặt phần trăm tỷ lệ hãy cho biết lên xuống lại nữa còn cũng đều rất
    nhiêu tổng cộng tất cả toàn bộ gồm những người so""".split()
)
# "năm"/"ngày"/"tháng" alone are generic; numbers next to them are kept as number terms.
_EN_GENERIC = frozenset(
    """what which who whom whose when where why how many much did does do was were is are be been
    the a an of in on at to for from by with and or this that these those their its there it
    they he she his her as than have has had into during after before first total number
    share percentage proportion rate named name called kind type held take took place give
    gave get got make made also only just all any each every some other per year years
    according source sources article articles say says said january february march april may
    june july august september october november december""".split()
)

_NUM_CUES_VI = re.compile(r"\b(bao nhieu phan tram|bao nhieu|may|ty le|phan tram|so luong)\b")
_TARGET_CUES = re.compile(r"\b(đặt|đề ra|đặt ra) chỉ tiêu|\bchỉ tiêu\b.{0,40}\b(đặt ra|đề ra)|phấn đấu|mục tiêu|\b(target|aim|goal)s?\b|\bplan(ned)? to\b")
_TARGET_WORDS = frozenset({"target", "targets", "goal", "goals", "aim", "chỉ", "tiêu", "chỉ tiêu", "mục tiêu", "phấn", "đấu", "phấn đấu"})
_TARGET_MARKS = re.compile(r"trở lên|phấn đấu|ít nhất|tối thiểu|mục tiêu|đề ra|chỉ tiêu đặt", re.I)
_NUM_CUES_EN = re.compile(r"\b(how many|how much|what share|what percentage|what proportion|what rate|what number|what target|what was the target|what figure|what percent)\b")
_DATE_CUES_VI = re.compile(r"\b(ngay nao|khi nao|bao gio|thoi gian nao|ngay bao nhieu|ngay may|thoi diem nao|nam nao|thang nao)\b")
_DATE_CUES_EN = re.compile(r"\b(when|what date|which date|what day|which day|on what day|what year|which year|which month)\b")
_PERSON_CUES_VI = re.compile(r"(^|[\s,;:(])ai(?=$|[\s,?.;:)])|\bvi nao\b|\bdong chi nao\b|\bong nao\b|\bba nao\b|\bnguoi nao\b")
_PERSON_CUES_EN = re.compile(r"\b(who|whom|whose|which comrade|which official|which leader|name of the|which person)\b")
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
_CODE_CUES_EN = re.compile(r"\b(which|what)\s+(\w+\s+){0,3}?(resolution|directive|conclusion|decision|regulation|plan|project|document|guidance|notice)\b")
_CODE_CUES_VI = re.compile(r"\b(nghi quyet|chi thi|ket luan|quyet dinh|quy dinh|ke hoach|de an|van ban|huong dan|thong bao)\s+(so\s+)?(nao|gi|may)\b")

# Per question language: (date, person, code cues; the code-cue group naming the document type and
# that language's column in _CODE_TYPES; number cues)
_CUES = {
    "en": (_DATE_CUES_EN, _PERSON_CUES_EN, _CODE_CUES_EN, 3, 0, _NUM_CUES_EN),
    "vi": (_DATE_CUES_VI, _PERSON_CUES_VI, _CODE_CUES_VI, 1, 1, _NUM_CUES_VI),
}
from .vi.codes import CODE_RE  # noqa: E402  (the one document-code pattern)
DATE_RE = re.compile(
    r"\b\d{1,2}\s*[/\-.]\s*\d{1,2}(?:\s*[/\-.]\s*(?:19|20)\d{2})?\b|\bngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?",
    re.I,
)
_DATE_CONTEXT = re.compile(r"(ngày|sáng|chiều|tối|trưa|đêm)\s*$", re.I)

from .vi.names import person_names, surnames as _surnames  # noqa: E402  (the one name finder)

_SURNAMES = _surnames()


@dataclass
class Term:
    """One question concept: alternative folded syllable sequences (joined by spaces)."""

    alts: tuple[str, ...]
    source: str
    weight: float = 1.0
    is_number: bool = False
    kind: str = "word"  # word (one syllable), pair (two syllables), gloss (English phrase), number


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


def _plain(s: str) -> str:
    return strip_marks(fold(s))


@lru_cache(maxsize=1)
def _glossary_cached(path: str, mtime: float) -> dict[str, tuple[str, ...]]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    entries: dict[str, tuple[str, ...]] = {}
    items: Iterable
    if isinstance(raw, dict) and isinstance(raw.get("terms"), (dict, list)):
        raw = raw["terms"]
    if isinstance(raw, dict):
        items = raw.items()
    else:
        items = [(e.get("en"), e.get("vi")) for e in raw if isinstance(e, dict)]
    for en, vi in items:
        if not en or not vi or str(en).startswith("_"):
            continue
        vis = [vi] if isinstance(vi, str) else list(vi)
        alts = tuple(dict.fromkeys(" ".join(syllables(v)) for v in vis if syllables(v)))
        if alts:
            entries[" ".join(re.findall(r"[a-z0-9']+", str(en).lower()))] = alts
    return entries


def glossary() -> dict[str, tuple[str, ...]]:
    """English phrase (lowercase words) -> folded Vietnamese alternatives (the index's glossary)."""
    if not GLOSSARY_PATH.exists():
        return {}
    return _glossary_cached(str(GLOSSARY_PATH), GLOSSARY_PATH.stat().st_mtime)


def _number_values(text: str) -> list[set[float]]:
    try:
        from .numbers import values_in

        return [set(v) for v in values_in(text, "auto") if v]
    except ImportError:  # pragma: no cover - numbers is part of the toolkit
        return [{float(m.replace(".", "").replace(",", "."))} for m in re.findall(r"\d+(?:[.,]\d+)*", text)]


def analyse_question(question: str) -> QuestionInfo:
    """Language, the kind of answer wanted, and the weighted content terms (glossary-expanded
    for English)."""
    q = question if len(question) <= RETRIEVAL_CHARS else question[:RETRIEVAL_CHARS].rsplit(" ", 1)[0]
    lang = detect_language(q)
    pl = _plain(q)
    wants: set[str] = set()
    code_types: set[str] = set()
    date_re, person_re, code_re, type_group, column, num_re = _CUES["en" if lang == "en" else "vi"]
    if date_re.search(pl):
        wants.add("date")
    if person_re.search(pl):
        wants.add("person")
    m = code_re.search(pl)
    if m:
        wants.add("code")
        code_types |= {k.strip() for k, names in _CODE_TYPES.items() if names[column] == m.group(type_group)}
    n_num = len(num_re.findall(pl))
    if n_num and "date" not in wants:
        wants.add("number")
    if _TARGET_CUES.search(fold(q)):
        wants.add("target")
        if not ({"date", "person", "code"} & wants):
            wants.add("number")
            n_num = max(n_num, 1)
    numbers = _number_values(q)
    terms = _en_terms(q) if lang == "en" else _vi_terms(q)
    if "target" in wants:  # the words that say "target" name the answer type, not its content
        terms = [t for t in terms if t.source not in _TARGET_WORDS]
    # numbers of the question ("9 tháng", "năm 2021", "lần thứ 8") are terms too
    for raw in re.findall(r"\d+(?:[.,]\d+)*", q):
        terms.append(Term(alts=(raw,), source=raw, is_number=True, kind="number"))
    terms = _dedupe_terms(terms)
    return QuestionInfo(question=q, lang=lang, wants=wants, n_numbers=max(1, n_num) if "number" in wants else 0,
                        terms=terms, numbers=numbers, code_types=code_types,
                        focus=_focus(q, lang, terms) if "number" in wants else ())


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
        for m in re.finditer(r"\b(how many|how much)\s+((?:[\w'’-]+\s*){1,4})", low):
            words = " ".join(re.findall(r"[^\W_]+", m.group(2)))
            for t in terms:
                if t.kind == "gloss" and (words.startswith(t.source) or f" {t.source}" in f" {words}"):
                    out.extend(t.alts)
                    break
        if re.search(r"\b(share|percentage|percent|proportion|rate)\b", low):
            out.append("%")
    return tuple(dict.fromkeys(out))


def _dedupe_terms(terms: list[Term]) -> list[Term]:
    seen: dict[tuple[str, ...], Term] = {}
    for t in terms:
        if t.alts in seen:
            if t.kind == "name":
                seen[t.alts].kind = "name"
            continue
        seen[t.alts] = t
    return list(seen.values())


_ORG_LEAD = frozenset("đảng ủy uỷ khối tỉnh huyện thành phố ban hội bộ chi sở party bloc committee province district".split())


def _drop_org_words(run: list[str]) -> list[str]:
    """A capitalised run minus its leading organisation words: "Khối Hà Giang" names "Hà Giang"."""
    k = 0
    while k < len(run) and fold(run[k]) in _ORG_LEAD:
        k += 1
    return run[k:]


def _name_runs(q: str) -> list[Term]:
    """Runs of 2+ capitalised syllables (places, names: "Trà Vinh", "Cầu Ngang") as one concept."""
    out = []
    for m in re.finditer(r"[^\W\d_]+(?: [^\W\d_]+)+", nfc(q)):
        words = m.group(0).split()
        run: list[str] = []
        for w in words + [""]:
            if w[:1].isupper():
                run.append(w)
                continue
            run = _drop_org_words(run)
            if len(run) >= 2:
                alt = " ".join(syllables(" ".join(run)))
                out.append(Term(alts=(alt,), source=" ".join(run), kind="name"))
            run = []
    return out


def _vi_terms(q: str) -> list[Term]:
    syl = [s for s in syllables(q) if not s[0].isdigit()]
    content = [s not in _VI_QSTOP for s in syl]
    terms: list[Term] = []
    for i, s in enumerate(syl):
        if content[i]:
            terms.append(Term(alts=(s,), source=s))
        if i + 1 < len(syl) and content[i] and content[i + 1]:
            terms.append(Term(alts=(f"{s} {syl[i + 1]}",), source=f"{s} {syl[i + 1]}", kind="pair"))
    return terms + _name_runs(q)


def _en_terms(q: str) -> list[Term]:
    """Glossary phrases (longest first) and the Vietnamese words written inside the question."""
    gl = glossary()
    max_len = max((len(k.split()) for k in gl), default=1)
    tokens = re.findall(r"[^\W_]+", re.sub(r"['’]s\b", "", nfc(q)))
    low = [t.lower() for t in tokens]
    terms: list[Term] = []
    used = [False] * len(tokens)
    i = 0
    while i < len(tokens):
        hit = None
        for n in range(min(max_len, len(tokens) - i), 0, -1):
            phrase = " ".join(low[i: i + n])
            cand = gl.get(phrase) or (gl.get(phrase[:-1]) if phrase.endswith("s") else None)
            if cand:
                hit = (n, phrase, cand)
                break
        if hit:
            n, phrase, cand = hit
            if phrase not in _EN_GENERIC:
                terms.append(Term(alts=cand, source=phrase, kind="gloss"))
            for j in range(i, i + n):
                used[j] = True
            i += n
        else:
            i += 1
    # Vietnamese words inside the English question (names, places, quoted terms): runs of
    # tokens that carry Vietnamese letters or are capitalised and not English words.
    run: list[str] = []

    def flush():
        if run:
            syl = [s for s in syllables(" ".join(run))]
            for s in syl:
                if not s[0].isdigit():
                    terms.append(Term(alts=(s,), source=s))
            for a, b in zip(syl, syl[1:]):
                terms.append(Term(alts=(f"{a} {b}",), source=f"{a} {b}", kind="pair"))
            words = [s for s in syllables(" ".join(_drop_org_words(run))) if not s[0].isdigit()]
            if len(words) >= 2 and all(w[:1].isupper() for w in run):
                terms.append(Term(alts=(" ".join(words),), source=" ".join(run), kind="name"))
            run.clear()

    for k, tok in enumerate(tokens):
        vi_like = bool(_VI_LETTERS.search(tok)) or (tok[:1].isupper() and k > 0 and tok.lower() not in _EN_STOP and not used[k])
        if vi_like and not tok[0].isdigit():
            run.append(tok)
        else:
            flush()
    flush()
    return terms


# --- corpus statistics (term weights) ------------------------------------------------------


class _Stats:
    """Document frequency of folded syllables and syllable bigrams over the store's paragraphs."""

    def __init__(self, docs: list[Document]):
        self.n = 0
        self.df: dict[str, int] = {}
        for d in docs:
            for p in d.paragraphs:
                if p.kind in ("boilerplate",):
                    continue
                syl = syllables(p.text)
                grams = set(syl) | {f"{a} {b}" for a, b in zip(syl, syl[1:])}
                self.n += 1
                for g in grams:
                    self.df[g] = self.df.get(g, 0) + 1

    def idf(self, alt: str) -> float:
        parts = alt.split()
        if len(parts) <= 2:
            df = self.df.get(alt, 0)
        else:
            df = min(self.df.get(f"{a} {b}", 0) for a, b in zip(parts, parts[1:]))
        return math.log(1.0 + (self.n + 1) / (df + 0.5))


_STATS_CACHE: dict[tuple, _Stats] = {}
_STATS_LOCK = threading.Lock()


def _readable_documents(store: "Store", doc_ids: Iterable[str]) -> dict[str, Document]:
    """The documents that can be read, one by one: a corrupt document JSON is left out (as the
    index leaves it out; `toolkit check` names it) instead of failing every question."""
    from .errors import StoreError

    out: dict[str, Document] = {}
    for doc_id in doc_ids:
        try:
            doc = store.get_document(doc_id)
        except StoreError:
            continue
        if doc is not None:
            out[doc_id] = doc
    return out


def _stats_key(store: "Store") -> tuple:
    """The store's document state: (name, mtime, size) of every document file. Any write
    (atomic replace) changes it; reading it costs one stat per document."""
    folder = store.documents_dir
    files = sorted(folder.glob("*.json")) if folder.exists() else []
    state = []
    for f in files:
        if f.name.startswith("."):
            continue
        try:
            st = f.stat()
        except OSError:  # deleted meanwhile
            continue
        state.append((f.name, st.st_mtime_ns, st.st_size))
    return (str(store.root), tuple(state))


def _stats(store: "Store") -> _Stats:
    """Term statistics of the store's readable documents, computed once per store state (see
    _stats_key), not per question."""
    key = _stats_key(store)
    with _STATS_LOCK:
        st = _STATS_CACHE.get(key)
        if st is None:
            _STATS_CACHE.clear()
            st = _STATS_CACHE[key] = _Stats(list(_readable_documents(store, store.doc_ids()).values()))
        return st


# --- candidate clauses ---------------------------------------------------------------------


@dataclass
class Candidate:
    doc_id: str
    paragraph_id: str
    paragraph_text: str
    start: int
    end: int  # the quote window in paragraph_text
    rank: int
    score: float = 0.0
    coverage: float = 0.0  # weighted share of question terms in the window
    sent_coverage: float = 0.0  # ... in the whole sentence
    doc_coverage: float = 0.0  # ... in the whole document
    missing: float = 0.0  # weight (relative to the heaviest) of the heaviest term absent from the document
    cue: float = 1.0  # 1.0 when the window holds what is asked (number, date, name, code)
    support: float = 0.0

    @property
    def quote(self) -> str:
        return self.paragraph_text[self.start: self.end]

    @property
    def cue_ok(self) -> bool:
        return self.cue >= 0.999


def _joined(text: str) -> str:
    return " " + " ".join(syllables(text)) + " "


@dataclass
class _Feats:
    """What a piece of text holds, computed once: matched term indices and answer-type cues."""

    matched: frozenset[int]
    new_numbers: int
    dates: int
    codes: int
    persons: int
    words: int
    focus: int = 0  # numbers followed by what the question counts


def _term_values(info: QuestionInfo) -> list[list[set[float]]]:
    return [_number_values(t.alts[0]) if t.is_number else [] for t in info.terms]


def _matched(text: str, info: QuestionInfo, tvals: list[list[set[float]]]) -> frozenset[int]:
    """Indices of the question terms that text holds. Cheap on long texts: numbers are parsed
    only when a number term is not already found written as in the question."""
    joined = _joined(text)
    bare: str | None = None
    plain_question = strip_marks(info.question) == info.question
    matched = set()
    pending = []
    for i, t in enumerate(info.terms):
        if t.is_number:
            if f" {fold(t.alts[0])} " in joined:
                matched.add(i)
            elif tvals[i]:
                pending.append(i)
        elif any(f" {a} " in joined for a in t.alts):
            matched.add(i)
        elif plain_question and all(a.isascii() for a in t.alts):
            # a question written without diacritics ("Ha Giang") matches "Hà Giang"
            if bare is None:
                bare = strip_marks(joined)
            if any(f" {a} " in bare for a in t.alts):
                matched.add(i)
    if pending:
        nums = _number_values(text)
        matched.update(i for i in pending if any(w & v for w in tvals[i] for v in nums))
    return frozenset(matched)


def _feats(text: str, info: QuestionInfo, tvals: list[list[set[float]]]) -> _Feats:
    w = info.wants
    return _Feats(
        matched=_matched(text, info, tvals),
        new_numbers=len(_new_numbers(text, info)) if "number" in w else 0,
        dates=len(_dates(text)) if "date" in w else 0,
        codes=len(_codes(text, info)) if "code" in w else 0,
        persons=len(person_names(text)) if "person" in w else 0,
        words=len(text.split()),
        focus=_focus_hits(text, info) if info.focus else 0,
    )


_NUM_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*")


def _focus_hits(text: str, info: QuestionInfo) -> int:
    """How many numbers in text are followed (within a few words) by the counted thing."""
    n = 0
    f = fold(text)
    for m in _NUM_TOKEN.finditer(f):
        after = f[m.end(): m.end() + 30]
        for alt in info.focus:
            if (alt == "%" and after.lstrip().startswith("%")) or (alt != "%" and f" {alt}" in " " + " ".join(syllables(after)[:4])):
                n += 1
                break
    return n


def _new_numbers(text: str, info: QuestionInfo) -> list[set[float]]:
    """Numbers in text that are not dates, codes, years or numbers already in the question."""
    masked = CODE_RE.sub(lambda m: " " * len(m.group(0)), text)
    masked = DATE_RE.sub(lambda m: " " * len(m.group(0)), masked)
    out = []
    for v in _number_values(masked):
        if any(v & q for q in info.numbers):
            continue
        if all(float(x).is_integer() and 1900 <= x <= 2100 for x in v):
            continue
        out.append(v)
    return out


def _dates(text: str) -> list[str]:
    return [m.group(0) for m in DATE_RE.finditer(text)
            if re.search(r"\d{4}$", m.group(0)) or _DATE_CONTEXT.search(text[max(0, m.start() - 12): m.start()])
            or m.group(0).lower().startswith("ngày")]


def _codes(text: str, info: QuestionInfo) -> list[str]:
    codes = CODE_RE.findall(text)
    if info.code_types:
        return [c for c in codes if any(f"-{t}" in c for t in info.code_types)]
    return codes


def _years(text: str) -> set[int]:
    return {int(y) for y in re.findall(r"(?<![\d/.,-])((?:19|20)\d{2})(?!\d)(?![/.,-]\d)", text)}


def _cue(f: _Feats, info: QuestionInfo) -> float:
    """1.0 when the text holds what the question asks for (a number, a date, a name, a code)."""
    s = []
    if "date" in info.wants:
        s.append(1.0 if f.dates else 0.0)
    if "code" in info.wants:
        s.append(1.0 if f.codes else 0.0)
    if "person" in info.wants:
        s.append(1.0 if f.persons else 0.0)
    if "number" in info.wants and not ({"date", "code"} & info.wants):
        s.append(min(1.0, f.new_numbers / max(1, info.n_numbers)))
    return min(s) if s else 1.0


def _merge(fs: list[_Feats]) -> _Feats:
    return _Feats(frozenset().union(*(f.matched for f in fs)), sum(f.new_numbers for f in fs), sum(f.dates for f in fs),
                  sum(f.codes for f in fs), sum(f.persons for f in fs), sum(f.words for f in fs), sum(f.focus for f in fs))


def _cov(matched: frozenset[int], weights: list[float]) -> float:
    return sum(weights[i] for i in matched) / (sum(weights) or 1.0)


def _pieces(text: str, s: int, e: int) -> list[tuple[int, int]]:
    spans = clause_spans(text[s:e], max_chars=0)
    return [(s + a, s + b) for a, b in spans] or [(s, e)]


def _best_window(text: str, s: int, e: int, info: QuestionInfo, weights: list[float], tvals, max_words: int):
    """The contiguous run of clause pieces of sentence [s, e) with the best coverage + cue - length."""
    pieces = _pieces(text, s, e)
    feats = [_feats(text[a:b], info, tvals) for a, b in pieces]
    best = None
    for i in range(len(pieces)):
        for j in range(i, len(pieces)):
            f = _merge(feats[i: j + 1])
            if f.words > max_words and j > i:
                break
            cov, cue = _cov(f.matched, weights), _cue(f, info)
            focus = 0.3 if f.focus else 0.0
            val = cov + 0.6 * cue + focus - 0.004 * f.words
            if best is None or val > best[0]:
                best = (val, pieces[i][0], pieces[j][1], cov, cue, focus)
    whole = _merge(feats)
    _, a, b, cov, cue, focus = best
    return a, b, cov, cue, _cov(whole.matched, weights), focus


def term_weights(info: QuestionInfo, stats: _Stats) -> list[float]:
    """IDF weights; syllable pairs never seen in the corpus (word boundaries: "khối tỉnh") and,
    in English questions, plain ASCII words the corpus never uses ("Party") weigh nothing."""
    weights = []
    for t in info.terms:
        w = max(stats.idf(a) for a in t.alts)
        if t.kind == "pair" and not any(stats.df.get(a) for a in t.alts):
            w = 0.0
        if info.lang == "en" and t.kind == "word" and t.alts[0].isascii() and not stats.df.get(t.alts[0]):
            w = 0.0
        weights.append(w)
    for t, w in zip(info.terms, weights):
        t.weight = w
    return weights


def _paragraphs_to_read(hits: list["Hit"], docs: dict[str, Document]) -> list[tuple[int, str, str, str]]:
    """(rank, doc_id, paragraph_id, text) of the retrieved paragraphs, then the short non-body
    paragraphs (captions, lead-in titles) of the two best documents, which the index may not hold."""
    out: list[tuple[int, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for rank, h in enumerate(hits):
        if (h.doc_id, h.paragraph_id) in seen:
            continue
        seen.add((h.doc_id, h.paragraph_id))
        text = h.paragraph_text
        doc = docs.get(h.doc_id)
        if doc is not None:
            try:
                text = doc.paragraph(h.paragraph_id).text
            except KeyError:
                pass
        out.append((rank, h.doc_id, h.paragraph_id, text))
    top_docs = list(dict.fromkeys(h.doc_id for h in hits))[:2]
    for d in top_docs:
        doc = docs.get(d)
        for p in doc.paragraphs if doc is not None else []:
            if (d, p.paragraph_id) in seen or p.kind not in ("caption", "title") or len(p.text) < 40:
                continue
            seen.add((d, p.paragraph_id))
            out.append((len(hits), d, p.paragraph_id, p.text))
    return out


def candidates(info: QuestionInfo, hits: list["Hit"], docs: dict[str, Document], stats: _Stats, max_words: int) -> list[Candidate]:
    """Score every sentence of the retrieved paragraphs; return the best window per sentence, best first."""
    weights = term_weights(info, stats)
    tvals = _term_values(info)
    doc_feats: dict[str, tuple[float, float]] = {}
    q_years = _years(info.question)
    out: list[Candidate] = []
    for rank, doc_id, pid, text in _paragraphs_to_read(hits, docs):
        doc = docs.get(doc_id)
        if doc_id not in doc_feats:
            whole = doc.text if doc is not None else text
            m = _matched(whole, info, tvals)  # coverage only: the answer-type cues of a whole document are never used
            doc_feats[doc_id] = (_cov(m, weights), _missing_key(info, weights, m))
        dcov, missing = doc_feats[doc_id]
        pcov = _cov(_matched(text, info, tvals), weights)
        full_sents = sentence_spans(text, semicolons=False)
        for s, e in sentence_spans(text):
            if _INJECTION.search(strip_marks(fold(text[s:e]))):
                continue  # instruction-like text inside an article is never a source
            a, b, cov, cue, scov, focus = _best_window(text, s, e, info, weights, tvals, max_words)
            c = Candidate(doc_id, pid, text, a, b, rank)
            c.coverage, c.sent_coverage, c.doc_coverage, c.missing, c.cue = cov, scov, dcov, missing, cue
            full = next(((fs, fe) for fs, fe in full_sents if fs <= s < fe), (s, e))
            scov = max(scov, _cov(_matched(text[full[0]:full[1]], info, tvals), weights)) if full != (s, e) else scov
            target = 0.4 if "target" in info.wants and _TARGET_MARKS.search(text[full[0]:full[1]]) else 0.0
            # a sentence about another year than the one asked about is about something else
            years = _years(text[full[0]:full[1]])
            other_year = 0.3 if q_years and years and not (q_years & years) else 0.0
            c.score = (cov + 0.3 * scov + 0.2 * pcov + 0.3 * dcov + 0.6 * cue + target + focus
                       + 0.15 / (1 + rank) - 0.5 * missing - other_year)
            c.support = 0.5 * cov + 0.2 * scov + 0.3 * dcov + 0.3 * cue - 1.0 * missing
            out.append(c)
    out.sort(key=lambda c: -c.score)
    return out


def _missing_key(info: QuestionInfo, weights: list[float], matched: frozenset[int]) -> float:
    """Weight (relative to the heaviest term) of the heaviest word concept absent from the whole
    document: a question about something the article never mentions is not answered by it."""
    if not info.terms:
        return 1.0
    top = max(weights) or 1.0
    worst = 0.0
    for i, (t, w) in enumerate(zip(info.terms, weights)):
        if t.kind not in ("word", "gloss", "name") or i in matched or not w:
            continue
        worst = max(worst, w / top)
    return worst


# --- answering --------------------------------------------------------------------------


def _citation(c: Candidate) -> Citation:
    return Citation(doc_id=c.doc_id, paragraph_id=c.paragraph_id, text=c.paragraph_text, quote=c.quote, start=c.start, end=c.end)


def _abstain(question: str, lang: Lang, t0: float) -> Answer:
    return Answer(question=question, answer=ABSTAIN_TEXT[lang], language=lang, abstained=True, citations=[], route="abstain",
                  latency_s=round(time.perf_counter() - t0, 3))


def _record_answer(info: QuestionInfo, best: Candidate, record: Record | None) -> tuple[str, Citation] | None:
    """A verified record item inside the supporting clause that answers a who/which/when question."""
    if record is None or not ({"person", "code", "date"} & info.wants):
        return None

    def inside(ev) -> bool:
        return (ev is not None and ev.doc_id == best.doc_id and ev.paragraph_id == best.paragraph_id
                and best.paragraph_text[ev.start: ev.end] == ev.quote)

    def cite(ev) -> Citation:
        return Citation(doc_id=ev.doc_id, paragraph_id=ev.paragraph_id, text=best.paragraph_text, quote=ev.quote, start=ev.start, end=ev.end)

    quote_f = fold(best.quote)
    if "person" in info.wants:
        for p in record.people:
            if inside(p.evidence) and fold(p.name) in quote_f and p.role != "author":
                title = f", {p.title}" if p.title and fold(p.title) in fold(best.paragraph_text) else ""
                return f"{p.name}{title}", cite(p.evidence)
    if "code" in info.wants:
        for d in record.documents:
            if inside(d.evidence) and d.code in best.quote and (not info.code_types or any(f"-{t}" in d.code for t in info.code_types)):
                text = d.evidence.quote if d.code in d.evidence.quote else d.code
                return text, cite(d.evidence)
    if "date" in info.wants:
        for d in record.documents:
            if inside(d.evidence) and d.code in info.question and d.date and d.code in best.quote:
                return d.evidence.quote, cite(d.evidence)
        ev = record.date_evidence
        if record.date and inside(ev) and not CODE_RE.search(info.question):
            return ev.quote, cite(ev)
    return None


def _model_sentence(info: QuestionInfo, best: Candidate, settings: "Settings", llm: "LLM") -> str | None:
    """One English sentence phrased by the model from the clause only, or None when it fails verification."""
    from .errors import ToolkitError
    from .verify import check

    prompt, _ = _render(settings, "answer_en", clause=best.quote, question=info.question[:PROMPT_QUESTION_CHARS])
    system, _ = _render(settings, "answer_system")
    try:
        out = llm.complete([{"role": "system", "content": system.strip()}, {"role": "user", "content": prompt.strip()}],
                           max_tokens=MODEL_MAX_TOKENS)
    except ToolkitError:
        return None
    text = re.sub(r"\s+", " ", str(out or "")).strip().strip('"').strip()
    text = re.sub(r"^(answer|english)\s*:\s*", "", text, flags=re.I)
    if not text or len(text.split()) > settings.answer.max_words or "<<<" in text or ">>>" in text:
        return None
    if not text.rstrip("\"'»”)").endswith((".", "!", "?")):
        return None  # cut off at max_tokens: a half sentence is not an answer
    if not check(text, [best.paragraph_text]).ok:
        return None
    # the sentence must carry the fact: the asked-for number / name / code / date of the clause
    if "number" in info.wants:
        wanted = _new_numbers(best.quote, info)
        got = _number_values(text)
        if sum(1 for w in wanted if any(w & g for g in got)) < min(info.n_numbers, len(wanted)):
            return None
    if "person" in info.wants:
        names = [_plain(best.quote[a:b]) for a, b in person_names(best.quote)]
        if names and not any(n in _plain(text) for n in names):
            return None
    if "code" in info.wants:
        codes = _codes(best.quote, info)
        if codes and not any(c in text for c in codes):
            return None
    if "date" in info.wants and not _number_values(text):
        return None
    return text


def _render(settings: "Settings", name: str, **variables) -> tuple[str, str]:
    from .prompts import render

    return render(settings, name, **variables)


# Role words of who-questions (matched on strip_marks(fold(text))): the clause that answers
# "who chaired" names a person next to "chủ trì".
_ROLE_CUES = {
    "chair": (r"\bchu tri\b|\bchair(ed|s|man|woman|ing)?\b|\bpresid(ed|es|ing)\b", r"\bchu tri\b"),
    "head": (r"\btruong doan\b|\bdan dau\b|\bhead(ed|s)?\b|\bled\b|\blead(s|ing)?\b", r"\btruong doan\b|\bdan dau\b|\bdo\b.{0,60}\blam truong doan\b"),
    "attend": (r"\bdu\b|\btham du\b|\battend(ed|s|ing|ance)?\b", r"\bdu\b|\btham du\b"),
    "speak": (r"\bphat bieu\b|\bspo?ke\b|\bspeak(s|ing)?\b|\baddress(ed)?\b|\bspeech\b", r"\bphat bieu\b"),
    "present": (r"\btrao\b|\bpresent(ed|s)?\b|\baward(ed|s)?\b|\bhand(ed)? over\b", r"\btrao\b"),
}


def _roles_asked(info: QuestionInfo) -> list[str]:
    q = _plain(info.question)
    return [role for role, (ask_re, _) in _ROLE_CUES.items() if re.search(ask_re, q)]


def _names_in(text: str, record: Record | None) -> bool:
    """Whether text names a person: the name detector, or a person of the document's record."""
    if person_names(text):
        return True
    f = fold(text)
    return record is not None and any(p.name and fold(p.name) in f and p.role != "author" for p in record.people)


def _choose(info: QuestionInfo, cands: list[Candidate], store: "Store") -> Candidate:
    """The best candidate; for a who-question whose best clause names nobody, the best clause of
    the top paragraphs that names a person next to the asked role (chủ trì, trưởng đoàn, dự,
    phát biểu, trao; any of them when the question names none)."""
    best = cands[0]
    if "person" not in info.wants:
        return best
    from .errors import StoreError

    records: dict[str, Record | None] = {}

    def record(doc_id: str) -> Record | None:
        if doc_id not in records:
            try:
                records[doc_id] = store.get_record(doc_id)
            except StoreError:
                records[doc_id] = None
        return records[doc_id]

    if _names_in(best.quote, record(best.doc_id)):
        return best
    roles = _roles_asked(info) or list(_ROLE_CUES)
    role_re = re.compile("|".join(_ROLE_CUES[r][1] for r in roles))
    top_pars = list(dict.fromkeys((c.doc_id, c.paragraph_id) for c in cands))[:3]
    for c in cands[1:]:
        if (c.doc_id, c.paragraph_id) not in top_pars:
            continue
        if role_re.search(_plain(c.quote)) and _names_in(c.quote, record(c.doc_id)):
            if not c.cue_ok:  # named by the record only: the person cue holds
                c.cue = 1.0
            return c
    return best


def _hit_documents(store: "Store", hits: list["Hit"]) -> tuple[dict[str, Document], list["Hit"]]:
    """The hits' documents, and the hits without those whose document file exists but is
    corrupt (a stale index entry is not a source; a missing file keeps the indexed text)."""
    ids = list(dict.fromkeys(h.doc_id for h in hits))
    docs = _readable_documents(store, ids)
    present = set(store.doc_ids())
    bad = {d for d in ids if d not in docs and d in present}
    return docs, [h for h in hits if h.doc_id not in bad]


def ask(question: str, *, settings: "Settings", store: "Store", index: "Index", llm: "LLM | None") -> Answer:
    """Answer one question from the indexed sources, with citations, or abstain."""
    t0 = time.perf_counter()
    original = nfc(question or "")[:MAX_QUESTION_CHARS]
    cleaned = clean_question(original)
    lang = detect_language(cleaned or original)
    if not cleaned or not re.search(r"[^\W_]{2,}", cleaned):
        return _abstain(original, lang, t0)
    info = analyse_question(cleaned)
    lang = info.lang
    hits = index.search(info.question, k=settings.index.top_k)
    if not hits:
        return _abstain(original, lang, t0)
    docs, hits = _hit_documents(store, hits)
    if not hits:
        return _abstain(original, lang, t0)
    stats = _stats(store)
    cands = candidates(info, hits, docs, stats, min(CLAUSE_WORDS, settings.answer.max_words))
    if not cands:
        return _abstain(original, lang, t0)
    best = _choose(info, cands, store)
    if best.support < settings.answer.abstain_below or not best.cue_ok:
        return _abstain(original, lang, t0)

    rec = _record_answer(info, best, store.get_record(best.doc_id))
    if rec is not None:
        text, cit = rec
        if lang == "en":
            text = EN_LEAD.format(quote=text)
        return Answer(question=original, answer=text, language=lang, abstained=False, citations=[cit], route="record",
                      latency_s=round(time.perf_counter() - t0, 3))

    cit = _citation(best)
    if lang == "en" and settings.answer.use_model and llm is not None:
        sentence = _model_sentence(info, best, settings, llm)
        if sentence:
            return Answer(question=original, answer=sentence, language=lang, abstained=False, citations=[cit], route="model",
                          latency_s=round(time.perf_counter() - t0, 3))
    text = best.quote if lang == "vi" else EN_LEAD.format(quote=best.quote)
    return Answer(question=original, answer=text, language=lang, abstained=False, citations=[cit], route="extractive",
                  latency_s=round(time.perf_counter() - t0, 3))


def support_of(question: str, *, settings: "Settings", store: "Store", index: "Index") -> Candidate | None:
    """The best supporting candidate (with its support score) for a question; for calibration."""
    cleaned = clean_question(question)
    if not cleaned:
        return None
    info = analyse_question(cleaned)
    hits = index.search(info.question, k=settings.index.top_k)
    docs, hits = _hit_documents(store, hits)
    stats = _stats(store)
    cands = candidates(info, hits, docs, stats, min(CLAUSE_WORDS, settings.answer.max_words))
    return _choose(info, cands, store) if cands else None


def ask_many(settings: "Settings", items: list[tuple[object, str]]) -> list[tuple[object, Answer]]:
    """Answer a batch: one store, one synced index, and the model loaded only if a question needs it."""
    from .index import Index
    from .store import Store

    store = Store(settings.store)
    index = Index(settings, store)
    index.sync()
    llm = LazyLLM(settings) if settings.answer.use_model else None
    return [(qid, ask(q, settings=settings, store=store, index=index, llm=llm)) for qid, q in items]


def answer_json(answer: Answer, qid: object) -> dict:
    """The gold README line: id, question, answer, abstained, citations[doc_id, paragraph_id, text],
    latency_s; plus quote (per citation) and route."""
    return {
        "id": qid,
        "question": answer.question,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "citations": [{"doc_id": c.doc_id, "paragraph_id": c.paragraph_id, "text": c.text, "quote": c.quote} for c in answer.citations],
        "latency_s": answer.latency_s,
        "route": answer.route,
        "language": answer.language,
    }
