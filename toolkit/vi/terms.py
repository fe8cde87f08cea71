"""The content terms of a question: Vietnamese syllables and syllable pairs, capitalised runs
(names, places), and for English questions the glossary's Vietnamese renderings of its phrases (any
form of their words) plus the Vietnamese words written inside it.

    vi_terms(q) / en_terms(q) -> [Term]
    dedupe_terms(terms) -> [Term]
    glossary() -> English phrase -> folded Vietnamese alternatives

Word lists here are facts of the two languages (function words, organisation words); nothing names
an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .english import forms
from .text import fold, nfc, syllables

GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "glossary_en_vi.json"

_EN_STOP = frozenset(
    """a an the of in on at to for from by with and or did does do was were is are be been
    how many much what which who whom whose when where why did this that these those their its
    first after before during into as than have has had there it they he she set hold held""".split()
)
_VI_LETTERS = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)

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


@dataclass
class Term:
    """One question concept: alternative folded syllable sequences (joined by spaces)."""

    alts: tuple[str, ...]
    source: str
    weight: float = 1.0
    is_number: bool = False
    kind: str = "word"  # word (one syllable), pair (two syllables), gloss (English phrase), number


@lru_cache(maxsize=1)
def _glossary_cached(path: str, mtime: float) -> dict[str, tuple[str, ...]]:
    from .glossary import load_en_vi  # the one loader of glossary_en_vi.json; shaped here for questions

    entries: dict[str, tuple[str, ...]] = {}
    for en, vis in load_en_vi(Path(path)).items():
        alts = tuple(dict.fromkeys(" ".join(syllables(v)) for v in vis if syllables(v)))
        if alts:
            entries[" ".join(re.findall(r"[a-z0-9']+", en.lower()))] = alts
    return entries


def glossary() -> dict[str, tuple[str, ...]]:
    """English phrase (lowercase words) -> folded Vietnamese alternatives (the index's glossary)."""
    if not GLOSSARY_PATH.exists():
        return {}
    return _glossary_cached(str(GLOSSARY_PATH), GLOSSARY_PATH.stat().st_mtime)


def dedupe_terms(terms: list[Term]) -> list[Term]:
    seen: dict[tuple[str, ...], Term] = {}
    for t in terms:
        if t.alts in seen:
            if t.kind == "name":
                seen[t.alts].kind = "name"
            continue
        seen[t.alts] = t
    return list(seen.values())


ORG_WORDS = frozenset("đảng ủy uỷ khối tỉnh huyện xã phường thành phố ban hội bộ chi sở party bloc committee province district".split())


def glossed_in(terms: list[Term], text: str, bodies: bool = False) -> list[int]:
    """Indices of the glossary terms (of an English question) written in a stretch of its text,
    without those that only name a body or place ("provincial", "Party Committee") unless `bodies`."""
    words = " " + " ".join(re.findall(r"[^\W_]+", text.lower())) + " "
    return [i for i, t in enumerate(terms) if t.kind == "gloss" and t.weight > 0 and f" {t.source} " in words
            and (bodies or not {w for a in t.alts for w in a.split()} <= ORG_WORDS)]


def _drop_org_words(run: list[str]) -> list[str]:
    """A capitalised run minus its leading organisation words: "Khối Hà Giang" names "Hà Giang"."""
    k = 0
    while k < len(run) and (fold(run[k]) in ORG_WORDS or fold(run[k]) in _LEAD_WORDS):
        k += 1
    return run[k:]


# words capitalised only because they open a sentence ("Theo Nghị quyết …", "Năm 2023 Hà Giang …")
_LEAD_WORDS = frozenset("theo tại trong năm ngày tháng sau trước đến từ với của ai khi vào ở các những ông bà "
                        "according in at on after before during since".split())


def name_runs(q: str) -> list[Term]:
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


def vi_terms(q: str) -> list[Term]:
    syl = [s for s in syllables(q) if not s[0].isdigit()]
    content = [s not in _VI_QSTOP for s in syl]
    terms: list[Term] = []
    for i, s in enumerate(syl):
        if content[i]:
            terms.append(Term(alts=(s,), source=s))
        if i + 1 < len(syl) and content[i] and content[i + 1]:
            terms.append(Term(alts=(f"{s} {syl[i + 1]}",), source=f"{s} {syl[i + 1]}", kind="pair"))
    return terms + name_runs(q)


def en_terms(q: str) -> list[Term]:
    """Glossary phrases (longest first) and the Vietnamese words written inside the question."""
    gl = glossary()
    max_len = max((len(k.split()) for k in gl), default=1)
    tokens = re.findall(r"[^\W_]+", re.sub(r"['’]s\b", "", nfc(q)))
    low = [t.lower() for t in tokens]
    terms: list[Term] = []
    used = [False] * len(tokens)

    def longest_at(i: int) -> tuple[int, str, tuple[str, ...]] | None:
        for n in range(min(max_len, len(tokens) - i), 0, -1):
            head = " ".join(low[i: i + n - 1] + [""])
            phrase, cand = next(((head + f, gl[head + f]) for f in forms(low[i + n - 1]) if head + f in gl),
                                (" ".join(low[i: i + n]), None))  # "establish" finds "established"
            if cand:
                return n, phrase, cand
        return None

    i = 0
    while i < len(tokens):
        hit = longest_at(i)
        if hit:
            n, phrase, cand = hit
            if phrase not in _EN_GENERIC:
                terms.append(Term(alts=cand, source=" ".join(low[i: i + n]), kind="gloss"))  # as the question writes it
            for j in range(i, i + n):
                used[j] = True
            # glossary phrases overlap: "economic growth rate" is "economic growth" and "growth rate"
            i = next((j for j in range(i + 1, i + n) if (h := longest_at(j)) and j + h[0] > i + n), i + n)
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
