"""What a number of an article counts, in English: a figure's `label_en`, read with the glossary.

One producer for extraction (Figure.label_en) and the summaries (a record whose gloss is unusable):
`label_en(glossary, label, before, after)` tries, in order,
1. `counted`: the genre's few patterns around the number (an action before it and a counted noun after it:
   'kết nạp mới 155 đảng viên' -> 'Party members admitted'; a total; a share of a target or plan);
2. `noun_phrase`: the noun phrase the clause puts before the number ('tổng giá trị sản xuất ... ước đạt trên
   23.300 tỷ đồng' -> 'total production value'), read only when it is one glossary term (with 'tổng' ->
   'total' and a following qualifier), never word by word; a change ('…, tăng 10,1% so với cùng kỳ') is the
   'growth in' / 'decline in' of the noun phrase of the figure it follows;
3. the glossary's reading of the record's Vietnamese label when it is one glossary term (Glossary.subject).
None when nothing reads: the figure is then stated in Vietnamese only. Every content word of a result maps
back to glossary terms of the Vietnamese words it was read from (toolkit.verify.gloss_problems checks it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .vi.text import fold, nfc

if TYPE_CHECKING:
    from .vi.glossary import Glossary

# words between a noun phrase and its number: estimates, verbs of reaching, approximators (facts of the genre)
_VALUE_WORDS = (r"ước đạt|ước tính|ước thực hiện|ước|đạt được|đạt|là|có|được|bằng|lên|còn|chiếm|khoảng|gần|hơn|trên|dưới|vượt|"
                r"với|tới|ở mức|tương đương|thêm|mới|đã|và|cả năm|năm \d{4}|\d{4}")
_VALUE_TAIL_RE = re.compile(r"(?:\s+|^)(?:" + _VALUE_WORDS + r")\s*$")
_CHANGE_TAIL_RE = re.compile(r"(?:\s+|^)(tăng trưởng|tăng|giảm)\s*$")
# where a subject noun phrase starts: connectives, time and scope words in front of it
_LEAD_RE = re.compile(r"^(?:(?:trong đó|nổi bật|cụ thể|qua đó|từ đó|đến nay|hiện nay|riêng|đặc biệt|trong năm|năm qua|"
                      r"năm \d{4}|toàn (?:khối|tỉnh|huyện|xã|thành phố|đảng bộ)|khối|huyện|tỉnh|xã)\s*,?\s+)+")
_SCOPE_TAIL_RE = re.compile(r"\s+(?:(?:toàn|trong) (?:khối|tỉnh|huyện|xã|thành phố|ngành)|trên địa bàn(?: (?:huyện|tỉnh|xã|thành phố))?|"
                            r"của (?:tỉnh|huyện|xã|khối)|cả năm|năm \d{4})\s*$")
_TOTAL_RE = re.compile(r"^tổng(?:\s+số)?\s+")
_BOUNDARY_RE = re.compile(r"[,;:(.!?\n]")
_NUMBER_RE = re.compile(r"\d[\d.,]*\s*%?")
PREVIOUS = "<previous>"  # "growth in <previous>": the change of the figure written before it (with_english_labels)


def counted(g: "Glossary", before: str, after: str, percent: bool = False) -> str | None:
    """What a number written in a clause counts, read with the glossary and the genre's few patterns, or None:
    - an action right before it and a counted noun right after ('kết nạp mới 155 đảng viên' -> 'Party members
      admitted'); a second number joined by 'và' shares the action ('kiểm tra 176 tổ chức đảng và 291 đảng viên');
    - a percentage of a counted noun and a rating ('98% đảng viên hoàn thành tốt nhiệm vụ' -> 'share of Party members
      who completed their tasks well');
    - a total ('tổng số ... có 6.059 đảng viên', 'toàn tỉnh có 557 ...' -> 'Party members in total');
    - a share of a whole ('chiếm 30% tổng kim ngạch xuất khẩu của tỉnh' -> 'share of total export turnover');
    - a share of a target or plan ('đạt 103,33% (so với) chỉ tiêu / kế hoạch' -> 'share of the target reached')."""
    b = re.sub(r"(?:\s+(?:mới|được|thêm|cho|đã|gần|hơn|trên|khoảng|xấp xỉ))+\s*$", "", " " + fold(nfc(before)).rstrip()).strip()
    a = fold(nfc(after)).lstrip()
    if re.search(r"(?:đạt|bằng|vượt)(?:\s+(?:trên|hơn|gần|khoảng|xấp xỉ))?\s*$", b) and \
            (m := re.match(r"(?:so với\s+)?(chỉ tiêu|kế hoạch|kh|dự toán)\b", a)):
        return f"share of the {'target' if m.group(1) == 'chỉ tiêu' else 'plan'} reached"
    if percent and re.search(r"\bchiếm(?:\s+tỷ lệ)?\s*$", b):  # "chiếm gần 30% tổng kim ngạch xuất khẩu của tỉnh"
        whole_of = re.split(r"[,;:(.!?\n]", a, maxsplit=1)[0]
        whole_of = re.sub(r"\s+(?:của|toàn|trên địa bàn)\s+(?:cả\s+)?(?:tỉnh|huyện|xã|thành phố|khối|nước)\s*$", "", whole_of).strip()
        en = _phrase_en(g, whole_of) if whole_of else None
        return f"share of {en}" if en else None
    found = g.span_at_start(a, "unit")
    if found is None:
        return None
    u, u_end = found
    if percent:  # "91,4% TCCS Đảng và 98% đảng viên hoàn thành tốt nhiệm vụ": a share of the counted noun so rated
        rest = re.sub(r"^và\s+\d[\d.,]*\s*%?\s+\S+(?:\s+\S+){0,3}?\s+(?=hoàn thành|đạt|có)", "", a[u_end:].lstrip())
        q = g.term_at_start(rest)
        return f"share of {u.en} {q.en}" if q is not None and q.kind == "qualifier" else None
    if done := _done_after(g, u.en, a[u_end:]):  # what was done to the counted noun says more than a total
        return done
    # the action before the number ('khen thưởng 4 tập thể và 24 cá nhân hoàn thành xuất sắc nhiệm vụ': commended);
    # 'tặng Giấy khen cho', 'thành lập mới': an action that ends in a word the first reading strips
    whole = re.sub(r"(?:\s+(?:gần|hơn|trên|khoảng|xấp xỉ))+\s*$", "", " " + fold(nfc(before)).rstrip()).strip()
    for text in (whole, b, re.sub(r"\s*\d[\d.,]*%?\s+[^\d,;.]{1,40}?\s*(?:,|và)\s*$", "", b)):
        if (v := g.action_at_end(text)) is not None:
            # the glossary may name the action on this noun as one term ('kết nạp quần chúng': people admitted
            # to the Party, not 'non-Party people admitted')
            t = g.lookup(f"{v.vi} {u.vi}")
            return t.en if t is not None and t.kind == "term" else f"{u.en} {v.en}"
    rated = g.span_at_start(a[u_end:].lstrip(), "qualifier")  # "35 đảng viên hoàn thành tốt nhiệm vụ": a rating
    if rated is not None and re.match(r"(?:who|rated|with) ", rated[0].en):
        return f"{u.en} {rated[0].en}"
    # "toàn tỉnh có 557 tổ chức cơ sở đảng, với 45.263 đảng viên": what the total is made of is a total too
    if re.search(r"(?:tổng số|toàn (?:đảng bộ|tỉnh|huyện|xã|khối))[^;:]{0,30}\b(?:có|là|lên|đạt)\s*$", b) or \
            re.search(r"(?:tổng số|toàn (?:đảng bộ|tỉnh|huyện|xã|khối))[^;:.]{0,30}\b(?:có|là)\s+\d[^;:.]{0,50},\s*với\s*$", b):
        return f"{u.en} in total"
    if re.search(r"\bcòn\s*$", b):  # "cuối năm còn 3.414 hộ nghèo"
        return f"{u.en} remaining"
    if re.search(r"\b(?:tham )?dự (?:đại hội|hội nghị|kỳ họp|buổi lễ)?\s*(?:có)\s*$", b):  # "Dự đại hội có 346 đại biểu"
        return f"{u.en} attending"
    return None


# what may stand after an action said of a counted noun, up to the clause's end: the plan it was measured by
_AFTER_ACTION_RE = re.compile(r"\s*(?:$|[,;:.()]|và\b|(?:vượt\s+)?(?:mức\s+)?(?:kế hoạch|chỉ tiêu)\b|vượt\b)")


def _done_after(g: "Glossary", unit_en: str, rest: str) -> str | None:
    """A counted noun followed, within its clause, by what was done to it (Vietnamese puts the subject first:
    '31/32 chỉ tiêu chủ yếu hoàn thành và vượt kế hoạch' -> 'targets completed'): the first action term among the
    next eight words, when the clause ends there or goes on about the plan or target it was measured by."""
    words = list(re.finditer(r"\S+", re.split(r"[,;:.()]", rest, maxsplit=1)[0]))
    for w in words[:9]:
        if re.match(r"\d", w.group(0)) or re.fullmatch(r"không|chưa|chẳng", w.group(0)):  # another count, a negation
            return None
        at = w.start()
        at_action = re.sub(r"^(?:đã|đều|được|cùng)\s+", "", rest[at:])
        found = g.span_at_start(at_action, "action")
        if found is not None and _AFTER_ACTION_RE.match(at_action[found[1]:]):
            return f"{unit_en} {found[0].en}"
    return None


def _phrase_en(g: "Glossary", np: str) -> str | None:
    """A noun phrase in English when it is one glossary term (kind term or unit), optionally after 'tổng' (total)
    and before qualifiers ('đảng viên hoàn thành tốt nhiệm vụ' -> 'Party members who completed their tasks well');
    a bare counted noun ('đảng viên') says what is counted, not what the figure is, and is refused."""
    np = np.strip()
    if (bare := _SCOPE_TAIL_RE.sub("", np).strip()) != np and not g.lookup(np):  # "thu ngân sách trên địa bàn"
        np = bare  # but "tổng sản phẩm trên địa bàn" is one term
    total = bool(_TOTAL_RE.match(np)) and not g.lookup(np)
    np = _TOTAL_RE.sub("", np) if total else np
    if not np:
        return None
    tr = g.translate(np)
    kinds = [k for k in tr.kinds if k != "function"]
    content = [t for t in tr.terms if t.kind != "function"]
    if tr.ok and not tr.names and kinds == ["term", "unit"] and len(content) == 2:  # "doanh thu (các) doanh nghiệp"
        return f"{'total ' if total else ''}{content[0].en} of {content[1].en}"
    if not tr.ok or tr.names or not kinds or kinds[0] not in ("term", "unit") or any(k != "qualifier" for k in kinds[1:]):
        return None
    if kinds == ["unit"] and not total:
        return None
    if kinds[0] == "term" and not re.search(r"[a-z]{3,}", tr.terms[0].en):  # a document type or an abbreviation
        return None
    en = tr.text
    return f"total {en}" if total and not en.lower().startswith("total") else en


def noun_phrase(g: "Glossary", before: str, after: str = "", depth: int = 0) -> str | None:
    """What the number right after `before` is, read from the noun phrase the clause puts before it; None for a
    share of a plan or target ('đạt trên 25% kế hoạch': the noun phrase is what reached it, not the number)."""
    if depth == 0 and re.match(r"\s*(?:so với\s+)?(?:chỉ tiêu|kế hoạch|kh|dự toán)\b", fold(nfc(after))):
        return None
    text = fold(nfc(before)).rstrip()
    cut = max((m.end() for m in _BOUNDARY_RE.finditer(text) if not re.match(r"\d", text[m.end():m.end() + 1])), default=0)
    seg, rest = text[cut:].strip(), text[:max(0, cut - 1)]
    change = None
    for _ in range(6):  # "ước đạt trên", "tăng hơn", "đã kết nạp được"
        if m := _CHANGE_TAIL_RE.search(seg):
            change = change or ("growth in" if m.group(1).startswith("tăng") else "decline in")
            seg = seg[:m.start()].rstrip()
        elif m := _VALUE_TAIL_RE.search(seg):
            seg = seg[:m.start()].rstrip()
        else:
            break
    seg = _LEAD_RE.sub("", seg).strip()
    if (m := list(re.finditer(r"(?:^|\s)(?:ước đạt|đạt|là|có)\s+", seg))) and seg[m[-1].end():].strip():
        seg = seg[m[-1].end():].strip()  # "các dn trong khối đạt tổng doanh thu": what was reached
    if change and not seg and depth == 0:
        # ", tăng 10,1% so với cùng kỳ": the change of the figure the clause stated before it
        nums = list(_NUMBER_RE.finditer(rest))
        if nums:
            base = noun_phrase(g, rest[:nums[-1].start()], rest[nums[-1].end():], depth + 1)
            return f"{change} {base or PREVIOUS}"
        return None
    if m := re.search(r"(?:^|\s)đã\s+", seg):  # "khối đã đóng góp vào ngân sách": what follows the verb's subject
        seg = seg[m.end():]
    en = _phrase_en(g, seg)
    return f"{change} {en}" if en and change else en


def label_en(g: "Glossary", label: str, before: str, after: str, raw: str = "") -> str | None:
    """The English label of a number from its clause (`before` and `after` it) and its Vietnamese `label`,
    or None (see the module docstring)."""
    found = counted(g, before, after, raw.strip().endswith("%")) or noun_phrase(g, before, after)
    if found or not label:
        return found
    # the record's label when it is one glossary term standing in the number's own clause (a label read from
    # a neighbouring clause, 'tốc độ tăng trưởng kinh tế đạt 12%, thu nhập ... trên 71', is not the number's)
    sub = g.subject(label)
    return sub if sub and fold(nfc(label)).strip() in own_clause(before, after) else None


def own_clause(before: str, after: str) -> str:
    """The words of a number's own clause (folded): `before` back to the last boundary, `after` up to the next."""
    b = fold(nfc(before))
    b = b[max((m.end() for m in _BOUNDARY_RE.finditer(b) if not re.match(r"\d", b[m.end():m.end() + 1])), default=0):]
    return b + " " + re.split(r"[,;:(.!?\n]", fold(nfc(after)), maxsplit=1)[0]


def english_label(g: "Glossary", label: str, proposed: str, before: str, after: str, raw: str = "") -> str:
    """A figure's `label_en`: the `proposed` one (the model's, or the record's) when the glossary accepts it as a
    gloss (Glossary.subject: English words, not a word-by-word rendering), it has more than one word (one word,
    'commune', does not say what is counted) and every content word of it renders a word of the number's own
    clause (toolkit.verify.gloss_problems), unless it is only the glossary's reading of the label and the clause's
    reading says all of it and more; else the one read from the clause (`label_en`); else '' (the figure is then stated in Vietnamese only)."""
    from .verify.labels import content_words, gloss_problems

    p = (proposed or "").strip()
    if p and g.subject(label, p) == p and len(re.findall(r"[A-Za-z]{3,}", p)) > 1 \
            and not gloss_problems(p, own_clause(before, after), g):
        if fold(p) == fold(g.translate(label).text):
            # the glossary's own reading of the label: the clause's reading when it says that and more ('kiểm tra, giám
            # sát 112 tổ chức đảng': 'Party organisations inspected and supervised', not 'Party organisations supervised')
            clause = label_en(g, label, before, after, raw) or ""
            words = set(content_words(clause))
            if set(content_words(p)) < words:
                return clause
        return p
    return label_en(g, label, before, after, raw) or ""


def positions(doc, figures) -> list[int | None]:
    """The offset of each figure's raw number in its evidence paragraph (None when it is not found); a number
    written twice in one evidence span is given to the figures in order."""
    out: list[int | None] = []
    taken: set[tuple[str, int]] = set()
    for fig in figures:
        ev = fig.evidence
        try:
            para = doc.paragraph(ev.paragraph_id).text
        except KeyError:
            out.append(None)
            continue
        i = para.find(fig.raw, ev.start, ev.end)
        while i >= 0 and (ev.paragraph_id, i) in taken:
            i = para.find(fig.raw, i + 1, ev.end)
        if i >= 0:
            taken.add((ev.paragraph_id, i))
        out.append(i if i >= 0 else None)
    return out


def with_english_labels(doc, figures: list, g: "Glossary | None" = None) -> list:
    """The figures, each with its `english_label` (read from its clause in `doc`)."""
    from .vi.glossary import load_glossary

    g = g or load_glossary()
    out = list(figures)
    prev: tuple[str, int, str] | None = None  # (paragraph, end of the number, English label) of the figure before
    placed = sorted(((k, f, i) for k, (f, i) in enumerate(zip(figures, positions(doc, figures))) if i is not None),
                    key=lambda x: (x[1].evidence.paragraph_id, x[2]))
    for k, fig, i in placed:
        pid = fig.evidence.paragraph_id
        para = doc.paragraph(pid).text
        en = english_label(g, fig.label, fig.label_en, para[max(0, i - 80):i], para[i + len(fig.raw):i + len(fig.raw) + 80], fig.raw)
        if PREVIOUS in en:  # the change of the figure right before it in the same sentence, when that one says what it is
            base = prev[2] if prev and prev[0] == pid and not re.search(r"[.;]", para[prev[1]:i]) else ""
            en = en.replace(PREVIOUS, base) if base and not base.startswith(("growth in", "decline in", "share of")) else ""
        prev = (pid, i + len(fig.raw), en)
        if en != fig.label_en:
            out[k] = fig.model_copy(update={"label_en": en})
    return out
