"""An independent check of summary sentences against the gold and the article text, not against the record.

The summariser checks every sentence against its record (toolkit.verify.record_problems); a wrong record
would pass that check. This one reads the gold (../shared/gold/web/extract.json: meeting day, figure labels)
and the article's own words, with its own small tables (never the toolkit's glossary), and reports per
sentence what it can check:
- date: every date the sentence gives for the event is the gold meeting day (day and month);
- subject: every number of the sentence that is a gold figure names what it counts: for some Vietnamese
  keyword of the figure's gold label (`label_contains`) that the table below renders, the English words
  stand in the sentence (Vietnamese sentences: the keyword itself);
- type: the kind of event an English sentence names has its Vietnamese cue words in the article's title or
  first paragraphs;
- role: a person said to chair / lead the delegation / present a report is named in a sentence of the article
  holding the Vietnamese cue of that role.
What the tables do not cover is counted as unchecked, never as agreement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from toolkit.vi.dates import dates_in
from toolkit.vi.numbers import number_tokens, same_value
from toolkit.vi.text import fold, strip_marks

# Vietnamese keyword of a gold figure label -> English stems that name it (the checker's own table)
KEYWORD_EN = {
    "ngân sách": ("budget",), "doanh thu": ("revenue",), "kết nạp": ("admit",), "đảng viên": ("party member",),
    "giá trị sản xuất": ("production value", "output"), "sản xuất": ("production", "output"), "thu nhập": ("income",),
    "hộ nghèo": ("poverty", "poor household"), "tổ chức đảng": ("party organi",), "kiểm tra": ("inspect",),
    "giám sát": ("supervis",), "kỷ luật": ("disciplin",), "chỉ tiêu": ("target",), "kế hoạch": ("plan",),
    "xuất khẩu": ("export",), "tập thể": ("collective",), "cá nhân": ("individual",), "giấy khen": ("commendation",),
    "bằng khen": ("certificate",), "vốn": ("capital", "investment"), "đầu tư": ("investment",), "tăng trưởng": ("growth", "grew"),
    "tăng": ("up", "grew", "growth", "increase", "rose"), "giảm": ("down", "fell", "decline", "decrease"),
    "chi bộ": ("party cell",), "mô hình": ("model",), "lớp": ("class",), "quần chúng": ("non-party",),
    "đại biểu": ("delegate",), "học viên": ("trainee",), "tổ chức cơ sở đảng": ("grassroots party",),
    "tccs": ("grassroots party",), "nộp ngân sách": ("budget",), "thu ngân sách": ("budget revenue",), "grdp": ("grdp", "gross regional"),
}
# English name of a kind of event -> Vietnamese cue words in the article
EVENT_CUES = (
    (r"\bcongress\b", r"đại hội"), (r"\bsession\b(?<!working session)", r"kỳ họp|phiên họp|phiên|kỳ thứ"),
    (r"\bexecutive committee\b", r"ban chấp hành|bch|hội nghị lần thứ|hội nghị .{0,40}lần thứ"),
    (r"\bbriefing\b", r"giao ban"), (r"\byear-end review\b", r"tổng kết"), (r"\breview conference\b", r"sơ kết|tổng kết"),
    (r"\binspect|\bdelegation\b|working session", r"kiểm tra|giám sát|làm việc|đoàn công tác"),
    (r"\baward ceremony\b", r"trao|tặng|khen thưởng|huy hiệu"), (r"\bpersonnel decision\b", r"quyết định|bổ nhiệm|điều động"),
)
ROLE_CUES = ((r"\bchaired\b|\bpresided\b", r"chủ trì"), (r"\bled (?:the|a) delegation\b|\bled by\b|\bheaded by\b", r"trưởng đoàn|dẫn đầu"),
             (r"\bpresented a report\b", r"báo cáo|trình bày"))
_EVENT_VERB = re.compile(r"\b(?:held|was held|convened|opened|took place)\b", re.IGNORECASE)


def _has(text: str, stems: Sequence[str]) -> bool:
    """Some alternative has every one of its words' stems in `text` ('production value' ~ 'production and business value')."""
    low = strip_marks(fold(text))
    return any(all(w in low for w in strip_marks(fold(s)).split()) for s in stems)


def date_problems(text: str, gold_date: str | None, lang: str) -> list[str]:
    found = dates_in(text)
    if gold_date is None:
        return [f"date {raw!r} but the gold has no meeting day" for s, _, raw, _ in found
                if lang == "en" and text[:s].strip() in ("On", "")]
    _, m, d = (int(x) for x in gold_date.split("-"))
    return [f"date {raw!r} is not the gold day {gold_date}" for _, _, raw, (dd, mm, _) in found if (dd, mm) != (d, m)]


def vi_date_problems(text: str, gold_date: str | None) -> list[str]:
    from toolkit.vi.dates import mentions

    first = next((m for m in mentions(text) if m.start < 12 and m.cued and not m.cited), None)
    if first is None or gold_date is None:
        return []
    _, mo, d = (int(x) for x in gold_date.split("-"))
    return [] if (first.day, first.month) == (d, mo) else [f"opens with {first.raw!r}, not the gold day {gold_date}"]


def subject_problems(text: str, labels: Sequence[dict], lang: str) -> tuple[list[str], int]:
    """(problems, unchecked numbers) for the gold figures the sentence states."""
    out: list[str] = []
    unchecked = 0
    date_spans = [(s, e) for s, e, _, _ in dates_in(text)]
    for s, e, raw, vals in number_tokens(text, "vi" if lang == "vi" else "auto"):
        if any(a <= s and e <= b for a, b in date_spans):
            continue
        gold = [g for g in labels if any(same_value(v, float(g["value"])) for v in vals)]
        if not gold:
            continue
        keywords = [k for g in gold for k in g.get("label_contains") or []]
        if lang == "vi":
            ok = any(fold(k) in fold(text) for k in keywords)
            if not ok:
                out.append(f"{raw!r}: none of the gold label words {keywords} in the sentence")
            continue
        known = [k for k in keywords if fold(k) in KEYWORD_EN]
        if not known:
            unchecked += 1
            continue
        if not any(_has(text, KEYWORD_EN[fold(k)]) for k in known):
            out.append(f"{raw!r}: names none of {[KEYWORD_EN[fold(k)][0] for k in known]} (gold label words {keywords})")
    return out, unchecked


def type_problems(text: str, article_head: str) -> list[str]:
    if not _EVENT_VERB.search(text):
        return []
    low = text.lower()
    head = fold(article_head)
    return [f"calls the event {re.search(en, low).group(0)!r} but the article's opening has no {vi!r}"
            for en, vi in EVENT_CUES if re.search(en, low) and not re.search(vi, head)]


def role_problems(text: str, lang: str, article: str, names: Sequence[str]) -> list[str]:
    cues = ROLE_CUES if lang == "en" else ((r"chủ trì", r"chủ trì"), (r"làm trưởng đoàn", r"trưởng đoàn|dẫn đầu"))
    sentences = re.split(r"(?<=[.!?])\s+|\n+", article)
    out = []
    low = strip_marks(fold(text))
    for en, vi in cues:
        m = re.search(en, fold(text) if lang == "vi" else text, re.IGNORECASE)
        if not m:
            continue
        cue = strip_marks(fold((fold(text) if lang == "vi" else text)[m.start():m.end()]))
        at = low.find(cue)
        after = m.group(0).lower().endswith(" by")  # "led by X": the name follows; "X ... chaired": it precedes
        placed = [(low.find(strip_marks(fold(n))), n) for n in names if strip_marks(fold(n)) in low]
        placed = [(i, n) for i, n in placed if (i > at if after else i < at)]
        if not placed:
            continue
        _, who = min(placed) if after else max(placed)
        if not any(fold(who) in fold(s) and re.search(vi, fold(s)) for s in sentences):
            out.append(f"{who}: the article gives no {vi!r} in a sentence naming them")
    return out


def check_sentence(text: str, lang: str, *, article: str, article_head: str, gold: dict | None,
                   names: Sequence[str]) -> tuple[list[tuple[str, str]], int]:
    """([(kind, problem)], unchecked numbers) of one summary sentence against the gold and the article."""
    gold = gold or {}
    probs: list[tuple[str, str]] = []
    if "date" in gold and lang == "en":
        probs += [("date", p) for p in date_problems(text, gold.get("date"), lang)]
    elif "date" in gold:  # a Vietnamese clause quotes the source: only a date it opens with is the event's
        probs += [("date", p) for p in vi_date_problems(text, gold.get("date"))]
    subj, unchecked = subject_problems(text, gold.get("figure_labels") or [], lang)
    probs += [("subject", p) for p in subj]
    if lang == "en":
        probs += [("type", p) for p in type_problems(text, article_head)]
    probs += [("role", p) for p in role_problems(text, lang, article, names)]
    return probs, unchecked
