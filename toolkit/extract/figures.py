"""Figure candidates: every number of the body that is a figure, with its clause and a readable label.

Not figures: dates, years, codes, ordinals, term numbers, document numbers, durations, and anything
inside site chrome (weather, clocks, time zones, view counters, "date 2022-12" markers). A number
written with a multiplier ("35.330 tỷ đồng") keeps the value as written (35330) and the unit "tỷ đồng".

Labels: the model proposes; `repair_label` strips numbers, units and stray words instead of rejecting;
`label_problem` then keeps a label only when its words stand in the clause. The deterministic label
(`default_label`) is the noun phrase the number belongs to: the words before a linking verb ("đạt",
"là", "có", "với"...) for "X đạt N", the words after the number up to a clause boundary for "N đảng
viên được kết nạp".
"""

from __future__ import annotations

import re

from ..schemas import Document, FigureKind
from ..vi.text import clause_spans, fold, sentence_spans, syllables
from ..vi import dates
from ..vi.chrome import chrome_spans
from .candidates import FigureCandidate, content_paragraphs, span_containing

LABEL_MAX_WORDS = 10  # syllables: about 8 Vietnamese words
LABEL_MAX_CHARS = 60

_SKIP_KINDS = {"date", "year", "code", "ordinal"}
_BEFORE_SKIP_RE = re.compile(
    r"(?:thứ|số|khóa|khoá|lần|chỉ thị|nghị quyết|kết luận|quy định|kế hoạch|quyết định|đề án|hướng dẫn|"
    r"thông báo|thông tri|công văn|trung ương|covid|điều|khoản|ngày|tháng|quý|nhiệm kỳ|giai đoạn|đợt)[\s\-–]*$"
)
_AFTER_SKIP_RE = re.compile(r"^\s*(?:tháng|năm(?! tuổi)|quý|ngày(?=\s*\d)|tuần|giờ|phút|giây|nhiệm kỳ)(?![^\W\d_])")
# A session number is a figure ("Hội nghị lần thứ 14", "kỳ họp thứ 12"); weekdays, terms ("khóa XIII") are not.
_SESSION_ORDINAL_RE = re.compile(r"(?:lần|kỳ họp|phiên họp|hội nghị|đại hội)\s+thứ\s+(\d{1,3})$")
_DAY_RANGE_RE = re.compile(r"^\s*(?:đến|và|-|–)\s*\d{1,2}\s*[-/.]\s*\d{1,2}")
_TARGET_WORDS = ("phấn đấu", "ít nhất", "trở lên", "tối thiểu", "kế hoạch đề ra", "mục tiêu")
_SCALE = {"ngàn": 1e3, "nghìn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
_MULT_RE = re.compile(r"^(?P<num>\S+)\s+(?P<mult>ngàn|nghìn|triệu|tỷ|tỉ)$")

# Words that never start or end a label (connectives, quantifiers, time words left by a removed year).
_EDGE_STOP = {"và", "có", "được", "đạt", "với", "của", "cho", "trong", "đó", "là", "từ", "trên", "gần", "hơn", "khoảng",
              "ước", "so", "bằng", "chiếm", "còn", "thêm", "nay", "hiện", "toàn", "các", "những", "mỗi", "này",
              "theo", "tại", "về", "trở", "lên", "lại", "đã", "sẽ", "thì", "mà", "tới", "xuống", "gồm", "số", "năm", "tháng",
              "quý", "ngày", "tương", "đương", "ứng", "đặt", "như"}
_TIME_UNITS = {"năm", "tháng", "quý", "ngày"}  # "55 năm tuổi đảng", "4 ngày": the counted unit after a number
# Linking words between a subject and its number ("X ước đạt N", "X là N", "X tăng N", "tương đương N").
_LINK = {"đạt", "ước", "được", "là", "có", "với", "gồm", "chiếm", "còn", "bằng", "tăng", "giảm", "trên", "hơn", "khoảng",
         "gần", "lên", "xuống", "thêm", "tới", "mới", "vượt", "hết", "tổng", "số", "tương", "đương", "ứng", "nâng", "lượng"}
# Verbs that end a subject inside a clause ("các DN trong khối đạt tổng doanh thu N": the label is "tổng doanh thu").
_INNER_VERBS = {"đạt", "là", "có", "gồm", "chiếm", "còn", "được"}
_CHANGE = {"tăng", "giảm", "đạt", "chiếm", "vượt"}
_CUT_RE = re.compile(r"[,;:(“”\"…]|(?<!\d)\d[\d.,]*%?(?<!\b(?:19|20)\d\d)(?!\d)|\svà\s|\strong đó\s|\sso với\s|\.\s")
_AFTER_CUT_RE = re.compile(r"[,;:()“”\"…/]|\.(?:\s|$)|\d|\svà\s|\sso\s|\strong đó\s|\stăng\s|\sgiảm\s|\sđạt\s|\schiếm\s|"
                           r"\s(?:là|được|với|của|trên|tại|theo|cho|trong|từ|vào|về|nhằm|để|do|bằng|gồm)\s")
_UNIT_WORDS = {"%", "tỷ", "tỉ", "triệu", "nghìn", "ngàn", "đồng", "usd", "ha", "km", "m", "m2", "m3", "tấn", "kg", "phần", "trăm",
               "lần"}


def _words(s: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", s)


def _trim(words: list[str]) -> list[str]:
    while words and fold(words[0]) in _EDGE_STOP:
        words = words[1:]
    while words and fold(words[-1]) in _EDGE_STOP:
        words = words[:-1]
    return words


# A period opening the clause is not what is counted: "(10 tháng) đầu năm giá trị sản xuất", "cuối năm còn"
_PERIOD_LEAD_RE = re.compile(r"^\s*(?:tháng\s+|năm\s+|quý\s+)?(?:đầu|cuối|giữa)\s+(?:năm|kỳ|tháng|quý)(?:\s+(?:qua|nay))?\s+|"
                             r"^\s*(?:năm|tháng|quý)\s+(?:qua|nay|trước)\s+", re.I)
_EVENT_NOUN_RE = re.compile(r"(?:hội nghị|kỳ họp|phiên họp|đại hội)(?![^\W\d_])", re.I)


def _subject(before_text: str) -> tuple[list[str], list[str]]:
    """(the noun phrase before a number, the linking words between it and the number: 'ước đạt', 'có', 'tăng')."""
    before_text = re.sub(r"\([^()]*\)", " ", before_text)  # "(GRDP)", "(DN)": asides, not cut points
    pieces = _CUT_RE.split(before_text)
    words = _words(_PERIOD_LEAD_RE.sub("", pieces[-1])) if pieces else []
    links: list[str] = []
    while words and fold(words[-1]) in _LINK:
        links.insert(0, words.pop())
    inner = [i for i, w in enumerate(words) if fold(w) in _INNER_VERBS]
    if inner and len(words) - inner[-1] - 1 >= 2:
        words = words[inner[-1] + 1:]  # "các DN trong khối đạt tổng doanh thu" -> "tổng doanh thu"
    return _trim(words)[-LABEL_MAX_WORDS:], links


def _after(text: str, n: int = 6) -> list[str]:
    """The counted noun after a number ("144 đảng viên", "4.435m đường bê tông"), without units."""
    words = [w for w in _words(_AFTER_CUT_RE.split(text, maxsplit=1)[0]) if fold(w) not in _UNIT_WORDS]
    lead = words[:1] if words and fold(words[0]) in _TIME_UNITS else []
    rest = _trim(words[len(lead):])
    return (lead + rest)[:n] if rest or lead else []


def _context_subject(context: str) -> list[str]:
    """The subject of the last number of the sentence before: what a bare "tăng 10,1%" is about."""
    m = last = None  # the last number that is neither a year nor a percentage (a rate's subject is its base's)
    for x in re.finditer(r"(?<![\d.,])\d+(?:[.,]\d+)*", context):
        if not re.fullmatch(r"(?:19|20)\d\d", x.group(0)):
            last = x
            if not re.match(r"\s?%", context[x.end():]):
                m = x
    m = m or last
    if m is None:
        return []
    subj, _ = _subject(context[:m.start()])
    return (subj + _after(context[m.end():], 3))[-6:]


def _fit(before: list[str], links: list[str], after: list[str]) -> list[str]:
    """At most LABEL_MAX_WORDS words: links go first, then the subject's opening words."""
    if len(before) + len(links) + len(after) > LABEL_MAX_WORDS:
        links = []
    room = max(0, LABEL_MAX_WORDS - len(after) - len(links))
    return (before[-room:] if room else []) + links + after


def default_label(quote: str, num_start: int, num_end: int, unit: str, context: str = "", ordinal: bool = False) -> str:
    """The noun phrase a number belongs to, from its clause (no number, no unit), or '' when none.
    `context` is the sentence up to the number: a bare "tăng 10,1%" takes the subject of the number before."""
    before, links = _subject(quote[:num_start])
    after = _after(quote[num_end:])
    change = [w for w in links if fold(w) in _CHANGE][-1:]
    if ordinal:  # "Hội nghị Ban Chấp hành Đảng bộ lần thứ", "kỳ họp thứ": from the last event noun
        head = None
        for head in _EVENT_NOUN_RE.finditer(quote[:num_start]):
            pass
        words = _words(quote[head.start():num_start]) if head else (before + links)[-3:]
    elif unit == "%" or "%" in quote[num_start:num_end + 1]:
        if len(before) >= 3:
            words = before + change
        elif before:
            words = _fit(before, change, after)  # "tỷ lệ 97,55% đảng viên"
        else:  # "..., đạt 101,3% chỉ tiêu": what reached it is the subject of the number before
            words = _fit(_context_subject(context), change, after)
    elif after:
        words = _fit(before, links if before else [], after)  # "kết nạp mới 155 đảng viên", "Đảng bộ có 6.059 đảng viên"
    else:
        words = before
    if not words and context:
        words = _fit(_context_subject(context), change, [])
    if not words:
        words = change
    while words and not ordinal and fold(words[0]) in _EDGE_STOP:
        words = words[1:]  # the end was trimmed where it was built: "trong 4 ngày" keeps its "ngày"
    return _as_in_clause(words[-LABEL_MAX_WORDS:], quote + " " + context)[:LABEL_MAX_CHARS].strip()


def _as_in_clause(words: list[str], clause: str) -> str:
    """The label as the clause writes it when its words stand together there ("nông - lâm - thủy sản")."""
    if not words:
        return ""
    m = re.search(r"(?<![^\W\d_])" + r"[\s\-–]+".join(re.escape(w) for w in words) + r"(?![^\W\d_])", clause)
    return m.group(0) if m else " ".join(words)


_REPAIR_EDGE = {"và", "của", "với", "là", "trong", "đó", "so", "trên", "hơn", "khoảng", "gần"}


def repair_label(label: str, unit: str = "") -> str:
    """A model label made usable: numbers, units, percent signs and stray edge words removed."""
    label = re.sub(r"\d[\d.,]*\s*%?", " ", label)
    words = [w for w in re.findall(r"[^\W\d_]+", label) if fold(w) not in _UNIT_WORDS]
    while words and fold(words[0]) in _REPAIR_EDGE:
        words = words[1:]
    while words and fold(words[-1]) in _REPAIR_EDGE:
        words = words[:-1]
    return " ".join(words[:LABEL_MAX_WORDS])[:LABEL_MAX_CHARS].strip()


def label_problem(label: str, clause: str) -> str | None:
    """Why a label is unusable, or None. A label must be short, carry no number and be made (mostly) of
    words of its clause, so the model cannot smuggle facts into it."""
    label = label.strip()
    if not label:
        return "empty label"
    if re.search(r"\d", label):
        return f"label has a number: {label!r}"
    words = syllables(label)
    if not words:
        return f"label has no words: {label!r}"
    if len(words) > LABEL_MAX_WORDS:
        return f"label longer than {LABEL_MAX_WORDS} words"
    clause_words = set(syllables(clause))
    inside = sum(w in clause_words for w in words)
    if inside < max(1, round(0.8 * len(words))):
        return f"label not taken from its clause: {label!r}"
    return None


def _default_kind(sentence_before: str, unit: str, clause: str) -> FigureKind:
    f = fold(sentence_before)
    fc = fold(clause)
    if any(w in f for w in _TARGET_WORDS) or any(w in fc for w in ("trở lên", "ít nhất", "phấn đấu")):
        return "target"
    if unit == "%":
        return "rate"
    return "result"


def _as_written(raw: str, value: float, unit: str) -> tuple[str, float, str]:
    """'35.330 tỷ' đồng -> ('35.330', 35330, 'tỷ đồng'): the value as written, the multiplier in the unit."""
    from ..vi.numbers import parse_number

    m = _MULT_RE.match(raw)
    if not m:
        return raw, value, unit
    scale = _SCALE[m.group("mult")]
    values = [v for v in parse_number(m.group("num"), "vi") if abs(v * scale - value) <= 1e-6 * max(1.0, abs(value))]
    if not values:
        return raw, value, unit
    return m.group("num"), float(values[0]), (m.group("mult") + (" " + unit if unit else "")).strip()


def figure_candidates(doc: Document) -> list[FigureCandidate]:
    from ..vi.number_spans import find_numbers

    out: list[FigureCandidate] = []
    seen: set[tuple[float, str, int]] = set()
    paragraphs = content_paragraphs(doc, lead_title=True)
    # the headline states a figure the excerpt may not repeat ("Đảng bộ tỉnh kết nạp 1.608 đảng viên")
    headline = [p for p in doc.paragraphs if p.kind == "title" and p not in paragraphs]
    for p in paragraphs + headline:
        text = p.text
        ftext = fold(text)
        clauses = clause_spans(text)
        sentences = sentence_spans(text, semicolons=False)
        chrome = chrome_spans(text)
        date_spans = [(m.start, m.end) for m in dates.mentions(text) if m.cued or m.year]
        for n in find_numbers(text):
            raw_n, kind = n.raw, n.kind
            if kind == "ordinal":
                om = _SESSION_ORDINAL_RE.search(fold(text[max(0, n.start - 20): n.end]))
                if not om:
                    continue
                raw_n, kind = om.group(1), "number"
            elif kind in _SKIP_KINDS:
                continue
            n_start = n.end - len(raw_n) if raw_n != n.raw else n.start
            if any(s <= n_start < e or s < n.end <= e for s, e in chrome):
                continue  # a weather widget, a clock, a counter, a date marker
            if any(s <= n_start < e for s, e in date_spans) or _DAY_RANGE_RE.match(text[n.end:]):
                continue  # "sáng 14.10" is a date; "từ 13 đến 16-10-2015" starts a range of days
            if raw_n == n.raw and _BEFORE_SKIP_RE.search(ftext[max(0, n.start - 16): n.start]):
                continue
            if _AFTER_SKIP_RE.match(ftext[n.end: n.end + 12]):
                continue
            if text[max(0, n.start - 1): n.start] in "-/" and n.start > 0 and text[n.start - 2: n.start - 1].isalnum():
                continue  # tail of a code or range written without spaces ("Covid-19", "1-2")
            span = span_containing(clauses, n_start, n.end) or (n_start, n.end)
            for cs, ce in chrome:  # a clause opening with a "date 2022-07" marker is quoted without it
                if cs <= span[0] < ce <= n_start:
                    span = (ce + len(text[ce:n_start]) - len(text[ce:n_start].lstrip()), span[1])
            quote = text[span[0]: span[1]]
            unit = (n.unit or "").strip()
            raw, value, unit = _as_written(raw_n, float(n.value), unit)
            key = (value, quote, n_start - span[0])
            if key in seen or (p in headline and any(v == value for v, _, _ in seen)):
                continue  # the same sentence printed twice (lead and body), a headline repeating the body
            seen.add(key)
            sent = span_containing(sentences, n_start, n.end) or span
            out.append(
                FigureCandidate(
                    id=f"f{len(out) + 1}",
                    paragraph_id=p.paragraph_id,
                    raw=raw,
                    value=value,
                    unit=unit,
                    target=float(n.target) if getattr(n, "target", None) is not None else None,
                    quote=quote,
                    default_label=default_label(quote, n_start - span[0], n_start - span[0] + len(raw), unit,
                                                context=text[sent[0]: n_start], ordinal=n.kind == "ordinal") or "số lượng",
                    default_kind="count" if n.kind == "ordinal" else
                    _default_kind(text[sent[0]: n_start], unit if n.kind != "percent" else "%", quote),
                )
            )
    return out
