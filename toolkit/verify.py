"""The one verifier: is a quote in its paragraph, are an answer's numbers and names in the sources?

Used by extraction (evidence), Q&A and summaries (check) and the evals. Pure Python, fast.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from collections.abc import Sequence

from pydantic import BaseModel, Field

from toolkit.numbers import Notation, _vi_word_number, dates_in, find_numbers, number_tokens, parse_number, same_value
from toolkit.schemas import Document, Evidence
from toolkit.textnorm import fold, locate, strip_marks

__all__ = ["Verdict", "evidence_for", "unsupported_numbers", "unsupported_names", "check", "SourceFacts", "verify_answer"]


class Verdict(BaseModel):
    ok: bool = Field(description="True when every number and name in the text is in the sources.")
    missing_numbers: list[str] = Field(default_factory=list, description="Raw numbers not found in any source.")
    missing_names: list[str] = Field(default_factory=list, description="Personal names not found in any source.")
    missing_codes: list[str] = Field(default_factory=list, description="Document codes not among the picked spans (answers).")
    unsupported_words: list[str] = Field(default_factory=list, description="Content words the picked spans do not carry (answers).")
    problems: list[str] = Field(default_factory=list, description="Other reasons an answer was refused.")


def evidence_for(doc: Document, paragraph_id: str, quote: str) -> Evidence | None:
    """Evidence for `quote` inside paragraph `paragraph_id` of `doc`, or None.

    The quote is located exactly, else under fold()/whitespace/typographic-quote tolerance; the
    returned Evidence.quote is the exact ORIGINAL substring with offsets into the paragraph text.
    None when the paragraph does not exist, the quote is empty / shorter than 2 characters, or it
    is not in that paragraph.
    """
    if not quote or len(quote.strip()) < 2:
        return None
    try:
        para = doc.paragraph(paragraph_id)
    except KeyError:
        return None
    hit = locate(para.text, quote.strip())
    if hit is None:
        return None
    s, e = hit
    return Evidence(doc_id=doc.doc_id, paragraph_id=paragraph_id, quote=para.text[s:e], start=s, end=e)


# --- numbers ---------------------------------------------------------------------------------

_DIGITS_RE = re.compile(r"\d+")


_Facts = tuple[frozenset[float], frozenset[tuple[int, int, int]], frozenset[tuple[int, int]], frozenset[tuple[int, int]], frozenset[int]]


@lru_cache(maxsize=2048)
def _facts_of(src: str) -> _Facts:
    """(values, full dates, day-month of every date, day-month written without a year, years)."""
    values: set[float] = set()
    full_dates: set[tuple[int, int, int]] = set()
    partial_dates: set[tuple[int, int]] = set()
    yearless_dates: set[tuple[int, int]] = set()
    years: set[int] = set()
    for sp in find_numbers(src):
        values.add(sp.value)
        if sp.target is not None:
            values.add(sp.target)
        if sp.kind == "date" and sp.day is not None and sp.month is not None:
            partial_dates.add((sp.day, sp.month))
            if sp.year:
                full_dates.add((sp.day, sp.month, sp.year))
                years.add(sp.year)
            else:
                yearless_dates.add((sp.day, sp.month))
        if sp.kind == "year" and sp.year:
            years.add(sp.year)
        if sp.kind in ("date", "year", "code", "ordinal", "ratio"):
            for d in _DIGITS_RE.findall(sp.raw):
                values.add(float(d))
                if len(d) == 4:
                    years.add(int(d))
        if sp.kind in ("number", "percent"):
            # "44 ngàn" also supports a bare 44
            values |= parse_number(sp.raw.split()[0].rstrip("%"), "vi")
    # Vietnamese number words (hai, ba, mười hai...) support small English numbers.
    for w in _VI_NUMBER_WORD_RE.finditer(fold(src)):
        if w.group(0) in ("năm", "tư"):
            continue  # alone these mean "year" / "private" far more often than 5 / 4
        v = _vi_word_number(w.group(0))
        if v is not None:
            values.add(float(v))
    return (frozenset(values), frozenset(full_dates), frozenset(partial_dates), frozenset(yearless_dates), frozenset(years))


class SourceFacts:
    """Numbers and dates of a list of source texts, parsed once (reuse it to check many texts).
    Per-source parsing is cached, so building one for the same paragraphs again is cheap."""

    def __init__(self, sources: Sequence[str]):
        values: set[float] = set()
        self.full_dates: set[tuple[int, int, int]] = set()
        self.partial_dates: set[tuple[int, int]] = set()
        self.yearless_dates: set[tuple[int, int]] = set()
        self.years: set[int] = set()
        for src in sources:
            v, full, part, yearless, years = _facts_of(src)
            values |= v
            self.full_dates |= full
            self.partial_dates |= part
            self.yearless_dates |= yearless
            self.years |= years
        self.values = values
        self._sorted = sorted(values)

    def has_value(self, candidates: set[float]) -> bool:
        for c in candidates:
            i = bisect.bisect_left(self._sorted, c - 1e-6)
            if i < len(self._sorted) and same_value(self._sorted[i], c):
                return True
            if i + 1 < len(self._sorted) and same_value(self._sorted[i + 1], c):
                return True
        return False

    def has_date(self, d: int, m: int, y: int | None) -> bool:
        if y is None:
            return (d, m) in self.partial_dates
        if (d, m, y) in self.full_dates:
            return True
        # "Sáng 14-2" with the year written elsewhere in the sources
        return (d, m) in self.yearless_dates and y in self.years


_VI_NUMBER_WORD_RE = re.compile(
    r"(?<![\w])(?:một|hai|ba|bốn|tư|năm|sáu|bảy|bẩy|tám|chín|mười)(?:\s+(?:mươi|một|mốt|hai|ba|bốn|tư|lăm|năm|sáu|bảy|tám|chín))*(?![\w])"
)


def unsupported_numbers(text: str, sources: Sequence[str] | SourceFacts, notation: Notation = "auto") -> list[str]:
    """Raw number strings in `text` whose plausible values match no number in any source.

    Sources are read in Vietnamese notation (find_numbers); `text` in `notation` ('auto': both).
    Dates in `text` (19/10/2021, 2021-10-19, 19 October 2021...) are compared as (day, month,
    year); citation markers like [1] are ignored.
    """
    facts = sources if isinstance(sources, SourceFacts) else SourceFacts(sources)
    missing: list[str] = []
    date_spans = dates_in(text)
    for _, _, raw, (d, m, y) in date_spans:
        if not facts.has_date(d, m, y):
            missing.append(raw)
    for s, e, raw, vals in number_tokens(text, notation):
        if any(a <= s and e <= b for a, b, _, _ in date_spans):
            continue
        if not facts.has_value(vals):
            missing.append(raw)
    return missing


# --- names -----------------------------------------------------------------------------------

from toolkit.vi.names import name_like_runs as _name_candidates  # noqa: E402  (the one name finder)


_WS_RE = re.compile(r"\s+")


def _name_key(s: str) -> str:
    return _WS_RE.sub(" ", fold(s)).strip()


@lru_cache(maxsize=2048)
def _folded_source(src: str) -> tuple[str, str]:
    f = _WS_RE.sub(" ", fold(src))
    return f, strip_marks(f)


def unsupported_names(text: str, sources: Sequence[str]) -> list[str]:
    """Personal-name-like runs of capitalised syllables in `text` that occur in no source,
    comparing under fold() (tone placement, case) and under strip_marks() (English answers
    that drop diacritics)."""
    cands = _name_candidates(text)
    if not cands:
        return []
    folded = [_folded_source(s)[0] for s in sources]
    stripped = [_folded_source(s)[1] for s in sources]
    missing: list[str] = []
    for name in cands:
        key = _name_key(name)
        if any(key in f for f in folded):
            continue
        skey = strip_marks(key)
        if any(skey in s for s in stripped):
            continue
        if name not in missing:
            missing.append(name)
    return missing


def check(text: str, sources: Sequence[str], notation: Notation = "auto") -> Verdict:
    """Numbers and names of `text` against `sources`: ok when nothing is missing."""
    nums = unsupported_numbers(text, sources, notation)
    names = unsupported_names(text, sources)
    return Verdict(ok=not nums and not names, missing_numbers=nums, missing_names=names)


# --- answers ---------------------------------------------------------------------------------

_ANSWER_CODE_RE = re.compile(r"(?<![\w/-])\d{1,5}-[A-ZĐ][A-Za-zĐđ]{0,5}(?:/[A-ZĐ][A-Za-zĐđ]{0,6})*(?![\w/])")
_WORD_RE = re.compile(r"[^\W\d_]+")
# English and Vietnamese function words: they carry no fact of their own.
_FUNCTION_WORDS = frozenset(
    """a an the of in on at to for from by with and or as is are was were be been being it its this that these
    those there their they he she his her which who whom whose what when where while than then also both each
    per about over under into out up total some all any no not only more less most least new had has have did
    do does said says say according source reports report gives given named names date dated
    và của là có được các những một cho với tại trong trên theo đã""".split()
)


def _words(s: str) -> set[str]:
    return {strip_marks(fold(w)) for w in _WORD_RE.findall(s or "")}


def verify_answer(text: str, picked: Sequence[str], cited: Sequence[str], allowed_words: Sequence[str] = ()) -> Verdict:
    """An answer is accepted only when every number, date, name and document code in it is one of
    the picked spans, every picked span lies in a cited sentence, and every other content word is
    carried by the picked spans, the cited sentences or `allowed_words` (the glossary's English
    rendering of them, the answer template). A fluent sentence with the paragraph's wrong figure,
    or a sentence of substance the spans do not carry, is refused."""
    problems = [f"picked span not in a cited sentence: {p!r}" for p in picked
                if not any(locate(c, p) is not None for c in cited)]
    # dates are compared by day and month (an English answer writes "3 January" for "03/01")
    picked_dm = {(n.day, n.month) for p in picked for n in find_numbers(p) if n.kind == "date"}
    picked_dm |= {(d, m) for p in picked for _, _, _, (d, m, _) in dates_in(p)}
    for a, b, _, (d, m, _) in reversed(dates_in(text)):
        if (d, m) in picked_dm:
            text = text[:a] + " " + text[b:]
    nums = unsupported_numbers(text, list(picked)) if picked else [m.group(0) for m in _DIGITS_RE.finditer(text)]
    names = unsupported_names(text, list(picked)) if picked else _name_candidates(text)
    codes = [c for c in _ANSWER_CODE_RE.findall(text) if not any(c in p for p in picked)]
    carried = _words(" ".join(picked)) | _words(" ".join(cited)) | _words(" ".join(allowed_words)) | _FUNCTION_WORDS
    extra = sorted(w for w in _words(text) - carried if len(w) > 1)
    ok = not (problems or nums or names or codes or extra)
    return Verdict(ok=ok, missing_numbers=nums, missing_names=names, missing_codes=codes, unsupported_words=extra,
                   problems=problems)


# --- summary sentences: language, chrome, provinces, and agreement with the record ----------------
# One judge for every summary sentence (template, polished or freely written): `sentence_problems`
# checks it against its cited paragraphs, `record_problems` against the verified Record.

_WORD_RE = re.compile(r"[^\W\d_]+")
_VI_STOPWORDS = frozenset(
    """va cua cac nhung duoc trong voi cho nam tinh huyen khoi dang uy vien chuc hien nhiem thanh tot ket nap moi
    tong dat hoan xay dung nghiep quan vu cong tac thuc nguoi lam theo tren nhu ve viec mot hai nay khi tu cuoc
    hoi nghi chi bo dan kheo nhan dip tang giay khen bang co thi dua truong pho thu bi""".split()
)
VI_SHARE_LIMIT = 0.15
# Site chrome that must never become a summary sentence: pipes of menus, "date 2022-01" markers,
# weather and time-zone widgets, view counters, share/print buttons (facts of the web genre).
_SENT_CHROME_RE = re.compile(
    r"\|\s*$|^\s*\|| \| |\bdate\s+\d{4}-\d{2}\b|°\s*[CF]\b|\bGMT\s*[+-]|\bUTC\s*[+-]|lượt\s+(?:xem|đọc|truy cập)"
    r"|\b(?:views?|lượt thích|chia sẻ|in bài|cỡ chữ|font size|tiếng việt\s*\|)|\.(?:jpe?g|png|gif|webp)\b", re.IGNORECASE)


def vietnamese_share(text: str, exclude: set[str] = frozenset()) -> tuple[int, int]:
    """(Vietnamese words, all words) of `text`, words of names in `exclude` (folded) set aside. A word
    is Vietnamese when it has a letter outside ASCII or is a common unmarked Vietnamese word."""
    vi = total = 0
    for w in _WORD_RE.findall(text):
        fw = fold(w)
        if fw in exclude:
            continue
        total += 1
        if not w.isascii() or fw in _VI_STOPWORDS:
            vi += 1
    return vi, total


def vi_ratio(text: str, exclude: set[str] = frozenset()) -> float:
    vi, total = vietnamese_share(text, exclude)
    return vi / total if total else 0.0


def foreign_provinces(text: str, body_provinces: set[str]) -> list[str]:
    """Provinces named in `text` that the article does not name."""
    from toolkit.gazetteer import find_provinces

    return [name for name, _, _ in find_provinces(text) if name not in body_provinces]


def chrome_problems(text: str, min_words: int = 4) -> list[str]:
    """Why `text` looks like site chrome or a fragment rather than a sentence ([] when it does not)."""
    words = _WORD_RE.findall(text)
    if len(words) < min_words:
        return [f"too short to be a sentence ({len(words)} words)"]
    if m := _SENT_CHROME_RE.search(text):
        return [f"site chrome ({m.group(0).strip()!r})"]
    return []


def sentence_problems(text: str, sources: Sequence[str], *, lang: str, body_provinces: set[str],
                      exclude: set[str] = frozenset(), names: Sequence[str] = (), values: Sequence[float] = (),
                      keep: Sequence[str] = ()) -> list[str]:
    """Why a summary sentence may not be shown against its cited `sources` ([] when it may): numbers and
    names not in them, a province the article does not name, a required name/term/figure missing,
    chrome, and for English too many Vietnamese words."""
    from toolkit.glossary import format_en
    from toolkit.numbers import values_in
    from toolkit.textnorm import nfc

    problems = chrome_problems(text, 6 if lang == "vi" else 4)  # "761 tổ chức cơ sở đảng." is a list item
    v = check(text, list(sources), "vi" if lang == "vi" else "auto")
    if v.missing_numbers:
        problems.append(f"numbers not in the cited source: {v.missing_numbers}")
    if v.missing_names:
        problems.append(f"names not in the cited source: {v.missing_names}")
    if bad := foreign_provinces(text, body_provinces):
        problems.append(f"province the article does not name: {bad}")
    nt = nfc(text)
    problems += [f"name {n!r} missing or without its diacritics" for n in names if nfc(n) not in nt]
    problems += [f"{k!r} not kept as it is" for k in keep if nfc(k) not in nt]
    have = [x for vals in values_in(text, "vi" if lang == "vi" else "auto") for x in _unscaled(vals)]
    problems += [f"key figure {format_en(val)} missing" for val in values if not any(same_value(val, h) for h in have)]
    if lang == "en" and vi_ratio(text, exclude) >= VI_SHARE_LIMIT:
        problems.append("too many Vietnamese words")
    return problems


def _unscaled(vals: set[float]) -> set[float]:
    """The values and the same values before a multiplier ('58,6 triệu' is the figure 58.6 in million)."""
    return vals | {v / f for v in vals for f in (1e3, 1e6, 1e9) if v >= f}


_CITED_DATE_RE = re.compile(  # "số 18-NQ/TW ngày 25/10/2017", "05-CT/TW, ngày 15/5/2016": a document's date
    r"(?:\bsố\s*\d[\w/.-]*|\b\d+\s*-\s*[A-ZĐ]{1,6}\s*/\s*[A-ZĐ]{1,6}\w*)\s*,?\s*(?:ban hành\s+)?ngày\s+", re.IGNORECASE)
_EVENT_VERB_RE = re.compile(r"\b(?:held|hold|holds|convened|organi[sz]ed|took place|opened|chaired|presided|attended|"
                            r"was held|were held|met)\b", re.IGNORECASE)
_ROLE_WORDS = (  # (English role phrase, roles it may state, the name comes after the phrase)
    (r"chaired by|presided over by", {"chair"}, True), (r"chaired|presided over|presided", {"chair"}, False),
    (r"led by|headed by", {"head_of_delegation"}, True), (r"led the delegation|headed the delegation|led a delegation", {"head_of_delegation"}, False),
    (r"presented by", {"presenter", "speaker"}, True), (r"presented|reported on", {"presenter", "speaker", "chair", "head_of_delegation"}, False),
)
_INSPECT_RE = re.compile(r"\b(?:inspect(?:ed|s|ing)?|supervis(?:ed|es|ing)|worked with|working with|working session with|examined)\b", re.IGNORECASE)
_PASSIVE_RE = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+\s+)?(?:inspected|supervised|examined)\s+by\b", re.IGNORECASE)


def cited_document_dates(record, sources: Sequence[str]) -> set[tuple[int, int]]:
    """(day, month) of the documents the article cites: record.documents' dates and the dates written
    right after a document number ("số 18-NQ/TW ngày 25/10/2017")."""
    out: set[tuple[int, int]] = set()
    for d in record.documents:
        if d.date and (m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", d.date)):
            out.add((int(m.group(3)), int(m.group(2))))
    for src in sources:
        for m in _CITED_DATE_RE.finditer(src):
            for s, _, _, (dd, mm, _) in dates_in(src[m.end():m.end() + 30]):
                if s == 0:
                    out.add((dd, mm))
    return out


def _content(words: str) -> list[str]:
    stop = {"the", "of", "and", "a", "an", "in", "on", "for", "to", "at", "by", "with", "its", "their", "that", "who", "new"}
    return [w for w in _WORD_RE.findall(fold(words)) if len(w) > 2 and w not in stop]


def _mentions(text: str, phrase: str) -> bool:
    """`text` states `phrase`: every content word of it occurs in `text`, up to its ending (the first five
    letters compared: 'admitted' ~ 'admitting', 'members' ~ 'member')."""
    want = {w[:5] for w in _content(phrase)}
    have = {w[:5] for w in _WORD_RE.findall(fold(text))}
    return bool(want) and want <= have


def record_problems(text: str, record, *, lang: str, sources: Sequence[str] = (), glossary=None, events=None,
                    inspection: tuple[str | None, str | None] | None = None) -> list[str]:
    """Why a summary sentence disagrees with its verified Record ([] when it agrees):
    - event type: a sentence about the event (held, chaired, ...) may name only the record's kind of event
      (glossary_events.json); an event of type 'other' only in neutral words; Vietnamese words that stand in
      the cited sources are the source's own;
    - date: every date of an English sentence about the event is the record's date, and no date of a
      document the article cites is given as the event's date;
    - roles: a person said to chair, lead the delegation or present holds that role in the record;
    - inspection: who inspects whom (`inspection` = (inspector, inspected) in English) is kept;
    - subjects: every English number that is a record figure names what it counts (the figure's
      label_en or the glossary rendering of its label)."""
    from toolkit.glossary import load_events, load_glossary

    events = events or load_events()
    problems: list[str] = []
    about_event = bool(_EVENT_VERB_RE.search(text)) or lang == "vi"
    allowed = events.allowed(record.event_type)
    src_folded = " ".join(fold(s) for s in sources)
    if about_event:
        for words, typ in events.named(text, lang):
            if typ in allowed or (lang == "vi" and fold(words) in src_folded):
                continue
            problems.append(f"calls the event {words!r} ({typ}) but the record says {record.event_type}")
    if lang == "en":
        problems += _date_problems(text, record, sources, about_event)
        problems += _subject_problems(text, record, glossary or load_glossary())
        problems += _inspection_problems(text, inspection)
    verbatim = lang == "vi" and fold(text.strip().rstrip("."))[:80] in src_folded
    if not verbatim:  # a Vietnamese clause copied from the source states the source's own roles
        problems += _role_problems(text, record, lang)
    return problems


_DOC_DATE_RE = re.compile(r"(?:\b(?:Resolution|Directive|Conclusion|Decision|Regulation|Plan|No\.)\s+[\w/.-]*\d[\w/.-]*|"
                          r"\d+-[A-ZĐ]+/[A-ZĐ]+)\s*,?\s+(?:of|dated|issued on)\s+$")


def _date_problems(text: str, record, sources: Sequence[str], about_event: bool) -> list[str]:
    cited = cited_document_dates(record, sources)
    out: list[str] = []
    for s, _, raw, (d, m, y) in dates_in(text):
        own = record.date is not None and (d, m) == (record.date.day, record.date.month) and y in (None, record.date.year)
        # a document's date stands right after the document ("Resolution 05-NQ/TU of 20 July 2021")
        documented = bool(_DOC_DATE_RE.search(text[max(0, s - 60):s]))
        if (d, m) in cited and not documented:
            out.append(f"gives {raw!r}, the date of a document the article cites, as the event's date")
        elif about_event and not own:
            out.append(f"date {raw!r} is not the record's event date ({record.date})")
    return out


def _subject_problems(text: str, record, glossary) -> list[str]:
    codes = "|".join(re.escape(d.code) for d in record.documents if d.code)
    clean = re.sub(codes, " ", text) if codes else text
    date_spans = [(s, e) for s, e, _, _ in dates_in(clean)]
    out: list[str] = []
    for s, e, raw, vals in number_tokens(clean, "auto"):
        if any(a <= s and e <= b for a, b in date_spans) or any(1900 <= v <= 2100 and v == int(v) for v in vals) \
                or re.match(r"\s*(?:months?|years?|quarters?|days?|weeks?)(?![-\w])", clean[e:]):
            continue  # a date, a year or a span of time ("the first 9 months of 2021"), not a figure
        figs = [f for f in record.figures if any(same_value(v, f.value) or (f.target is not None and same_value(v, f.target))
                                                 for v in _unscaled(vals))]
        if not figs:
            continue
        subjects = [sub for f in figs if (sub := glossary.subject(f.label, f.label_en))]
        if not any(_mentions(text, sub) for sub in subjects):
            out.append(f"{raw!r} does not say what it counts ({subjects[0]!r} expected)" if subjects else
                       f"{raw!r} is a figure with no English label in the record")
    return out


def _inspection_problems(text: str, inspection: tuple[str | None, str | None] | None) -> list[str]:
    """Who inspects whom: in the active voice the inspector stands before the verb and the inspected body
    after it; in the passive ("was inspected by") the other way round."""
    if not inspection or not (verb := _INSPECT_RE.search(text)):
        return []
    inspector, inspected = inspection
    low = fold(text)
    passive = bool(_PASSIVE_RE.search(text))
    first, second = (inspected, inspector) if passive else (inspector, inspected)
    out: list[str] = []
    if second and 0 <= low.find(fold(second)) < verb.start():
        out.append(f"makes {second!r}, the {'inspecting' if passive else 'inspected'} body, the "
                   f"{'one inspected' if passive else 'inspector'}")
    if first and low.find(fold(first)) > verb.end():
        out.append(f"makes {first!r}, the {'inspected' if passive else 'inspecting'} body, the "
                   f"{'inspector' if passive else 'one inspected'}")
    return out


def _role_problems(text: str, record, lang: str) -> list[str]:
    people = [(p, m.start(), m.end()) for p in record.people for m in re.finditer(re.escape(fold(p.name)), fold(text))]
    if not people:
        return []
    low = fold(text)
    words = _ROLE_WORDS if lang == "en" else ((r"chủ trì", {"chair"}, False), (r"(?:làm )?trưởng đoàn", {"head_of_delegation"}, False))
    out: list[str] = []
    taken: list[tuple[int, int]] = []
    for pat, roles, after in words:
        for m in re.finditer(r"\b(?:" + pat + r")\b", low):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            cands = [x for x in people if x[1] >= m.end()] if after else [x for x in people if x[2] <= m.start()]
            if not cands:
                continue
            who = min(cands, key=lambda x: x[1] - m.end()) if after else max(cands, key=lambda x: x[2])
            held = {p.role for p in record.people if fold(p.name) == fold(who[0].name)}
            if not held & roles:
                out.append(f"says {who[0].name} {m.group(0)} but the record gives {sorted(held)}")
    return out


def added_proper_words(text: str, reference: str) -> list[str]:
    """Capitalised words of `text` (past its first word) that `reference` does not hold: a rewording of
    `reference` that names a body, place or person it did not name."""
    have = {fold(w) for w in _WORD_RE.findall(reference)}
    words = [m for m in re.finditer(r"[^\W\d_]+", text)]
    return [m.group(0) for m in words[1:] if m.group(0)[:1].isupper() and fold(m.group(0)) not in have]

