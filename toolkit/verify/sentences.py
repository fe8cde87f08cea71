"""Summary sentences: language, chrome, provinces, and agreement with the verified record."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..vi.text import fold
from ..vi.chrome import chrome_spans, is_chrome
from ..vi.dates import dates_in
from ..vi.numbers import number_tokens, same_value
from .core import check
from .labels import mentions


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
# Site chrome (widgets, time zones, view counters, markers, whole chrome lines) is toolkit.vi.chrome's;
# what only a summary sentence must not carry besides: the pipes of a menu row, an image file name.
_SUMMARY_CHROME_RE = re.compile(r"\|\s*$|^\s*\||\s\|\s|\.(?:jpe?g|png|gif|webp)\b", re.IGNORECASE)


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
    from toolkit.vi.places import find_provinces

    return [name for name, _, _ in find_provinces(text) if name not in body_provinces]


def chrome_problems(text: str, min_words: int = 4) -> list[str]:
    """Why `text` looks like site chrome or a fragment rather than a sentence ([] when it does not).
    A clock time is not chrome here: a sentence may state the hour of the meeting."""
    words = _WORD_RE.findall(text)
    if len(words) < min_words:
        return [f"too short to be a sentence ({len(words)} words)"]
    if m := _SUMMARY_CHROME_RE.search(text):
        return [f"site chrome ({m.group(0).strip()!r})"]
    if spans := chrome_spans(text, clocks=False):
        s, e = spans[0]
        return [f"site chrome ({text[s:e].strip()!r})"]
    if is_chrome(text):
        return [f"site chrome ({text.strip()!r})"]
    return []


def sentence_problems(text: str, sources: Sequence[str], *, lang: str, body_provinces: set[str],
                      exclude: set[str] = frozenset(), names: Sequence[str] = (), values: Sequence[float] = (),
                      keep: Sequence[str] = ()) -> list[str]:
    """Why a summary sentence may not be shown against its cited `sources` ([] when it may): numbers and
    names not in them, a province the article does not name, a required name/term/figure missing,
    chrome, and for English too many Vietnamese words."""
    from toolkit.vi.glossary import format_en
    from toolkit.vi.numbers import values_in
    from toolkit.vi.text import nfc

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
# the event held (not "the number of meetings held stood at 500")
_HELD_RE = re.compile(r"\b(?:(?:was|were) (?:held|convened|organi[sz]ed)|(?:held|convened|organi[sz]ed) (?:a|an|the|its)|took place)\b",
                      re.IGNORECASE)
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


def record_problems(text: str, record, *, lang: str, sources: Sequence[str] = (), glossary=None, events=None,
                    inspection: tuple[str | None, str | None] | None = None, body: str | None = None) -> list[str]:
    """Why a summary sentence disagrees with its verified Record ([] when it agrees):
    - event type: a sentence about the event (held, chaired, ...) may name only the record's kind of event
      (glossary_events.json); an event of type 'other' only in neutral words; Vietnamese words that stand in
      the cited sources are the source's own;
    - date: every date of an English sentence about the event is the record's date, and no date of a
      document the article cites is given as the event's date;
    - roles: a person said to chair, lead the delegation or present holds that role in the record;
    - inspection: who inspects whom (`inspection` = (inspector, inspected) in English) is kept;
    - subjects: every English number that is a record figure names what it counts (the figure's
      label_en or the glossary rendering of its label);
    - the body: an English sentence saying the event was held names the body that held it, `body` (the
      record's organization in English), when there is one (an inspection names its delegation instead)."""
    from toolkit.vi.event_names import load_events
    from toolkit.vi.glossary import load_glossary

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
        if body and not inspection and _HELD_RE.search(text) and not mentions(text, body):  # a visit: who inspects whom
            problems.append(f"does not name the body holding the event ({body!r} expected)")
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
                or re.match(r"\s*(?:months?|years?|quarters?|days?|weeks?)(?![-\w])", clean[e:]) \
                or re.fullmatch(r"\d+(?:st|nd|rd|th)", raw):
            continue  # a date, a year, a span of time ("the first 9 months of 2021") or a rank ("the 12th session"), not a figure
        figs = [f for f in record.figures if any(same_value(v, f.value) or (f.target is not None and same_value(v, f.target))
                                                 for v in _unscaled(vals))]
        if not figs:
            continue
        subjects = [sub for f in figs if (sub := glossary.subject(f.label, f.label_en))]
        if not any(mentions(text, sub) for sub in subjects):
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
