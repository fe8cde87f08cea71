"""Figure, document and award sentences, built from the record's verified items.

Each English figure names its subject: the figure's `label_en` as toolkit.figure_en verified or read it
from the figure's own clause (build._with_subjects). A figure without one is stated in the Vietnamese
sentence (the source's own clause) only. A change is said as the change of the figure before it
('Total production value stood at 9,120 billion VND, up 8.2% year-on-year') or on its own ('The poverty
rate fell 1.9% on 2022'), a share of the plan as what the figure before it reached. The Vietnamese
sentence is the source clause holding the figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..vi.glossary import format_en
from ..schemas import Document, Figure, Record
from ..vi.text import fold
from .base import Ctx, Fact, end, evidence, is_body, join_and, para_index, period_en, sentence_of, trim_span, vi_clause

_KIND_SCORE = {"result": 2, "rate": 2, "count": 1, "target": 1}
_QUAL_BEFORE = [(r"(?:hơn|trên|vượt)\s*$", "more than "), (r"gần\s*$", "nearly "), (r"(?:ít nhất|tối thiểu)\s*$", "at least "),
                (r"khoảng\s*$", "about ")]


_SALIENCE_PATH = Path(__file__).resolve().parents[1] / "data" / "summary_salience.json"


@lru_cache(maxsize=1)
def _salience() -> tuple[int, tuple[tuple[str, int], ...]]:
    data = json.loads(_SALIENCE_PATH.read_text(encoding="utf-8"))
    return int(data["window_chars"]), tuple((fold(k), int(v)) for k, v in data["cues"].items())


@dataclass
class _Fig:
    fig: Figure
    pos: int  # offset of raw in its paragraph
    subject: str | None
    group: tuple[str, int, int] = ("", 0, 0)  # (paragraph, clause start, clause end)
    cue: int = 0  # what the words before the figure say it is about (summary_salience.json)

    @property
    def score(self) -> int:
        return (1 if self.subject else 0) + _KIND_SCORE.get(self.fig.kind, 0) + (1 if self.fig.target is not None else 0) + self.cue


def _cue(para: str, pos: int, label: str) -> int:
    window, cues = _salience()
    near = fold(para[max(0, pos - window):pos + window]) + " | " + fold(label)
    return max((w for c, w in cues if c in near), default=0)


def _qualifier(before: str, after: str) -> str:
    """'hơn 200' -> 'more than 200', '200 ... trở lên' -> 'at least 200' (Vietnamese approximators)."""
    for pat, en in _QUAL_BEFORE:
        if re.search(pat, before):
            return en
    return "at least " if re.match(r"\s*(?:\S+\s+){0,4}?trở lên", after) else ""


def _unit_en(ctx: Ctx, fig: Figure, subject: str) -> str:
    if fig.unit == "%" or fig.raw.strip().endswith("%"):
        return "%"
    if not fig.unit:
        return ""
    t = ctx.glossary.lookup(fig.unit)
    en = (t.sg if fig.value == 1 and t.sg else t.en) if t is not None and t.kind in ("unit", "measure") else None
    if en is None or fold(en) in fold(subject) or (t.kind == "unit" and ctx.glossary.names_counted(subject)):
        return ""  # "Meetings held stood at 500", not "... at 500 sessions" (the subject says what is counted)
    return " " + en


_CHANGE = {"growth in ": ("grew", "up"), "decline in ": ("fell", "down")}


_COMPARED_LEAD = r"\s*(?:[^\d,;.()]{0,20}?)\s*\)?\s*(?:,\s*)?so\s+(?:với\s+)?"  # "(tỷ đồng) so (với) ..."


def _compared(after: str) -> str:
    """What a change is measured against, from the words after it: 'so với cùng kỳ' -> ' year-on-year'."""
    a = fold(after)
    if re.match(_COMPARED_LEAD + r"cùng\s+kỳ", a):
        return " year-on-year"
    if m := re.match(_COMPARED_LEAD + r"(?:năm\s+)?((?:19|20)\d\d)\b", a):
        return f" on {m.group(1)}"
    if re.match(_COMPARED_LEAD + r"đầu\s+nhiệm\s+kỳ", a):
        return " on the start of the term"
    return " on the previous year" if re.match(_COMPARED_LEAD + r"năm\s+trước", a) else ""


def _per(after: str) -> str:
    """'triệu đồng/người/tháng' -> ' per person per month' (what a money figure is per, written after its unit)."""
    a = fold(after)
    m = re.match(r"\s*(?:[^\d\s/]+\s*){0,2}?((?:/\s*(?:người|tháng|năm|ha|hộ)\s*){1,2})", a)
    if not m:
        return ""
    words = {"người": "per person", "tháng": "per month", "năm": "per year", "ha": "per hectare", "hộ": "per household"}
    return " " + " ".join(words[w] for w in re.findall(r"người|tháng|năm|ha|hộ", m.group(1)))


def change_of(subject: str | None) -> tuple[str, str, str] | None:
    """(the subject that changed, verb, adverb) of a change figure's subject ('growth in X' -> (X, 'grew', 'up'))."""
    for prefix, (verb, adv) in _CHANGE.items():
        if subject and subject.startswith(prefix):
            return subject[len(prefix):], verb, adv
    return None


def _phrase(ctx: Ctx, f: _Fig, para: str) -> tuple[str, str]:
    """(subject, predicate) of one figure: ('Party members admitted', 'at 155'), a change ('total production value',
    'grew nearly 14% year-on-year'); the first figure of a sentence says 'stood at'."""
    fig = f.fig
    after = para[f.pos + len(fig.raw):f.pos + len(fig.raw) + 60]
    q = _qualifier(fold(para[max(0, f.pos - 20):f.pos]), fold(after))
    n = format_en(fig.value) + _unit_en(ctx, fig, f.subject or "")
    n += _per(after) if n != format_en(fig.value) else ""
    if ch := change_of(f.subject):
        return ch[0], f"{ch[1]} {q}{n}{_compared(after)}"
    if fig.target is not None and fig.value <= fig.target and not q:  # "31/32 chỉ tiêu": 31 of 32
        return f.subject or "", f"at {n.strip()} of {format_en(fig.target)}"
    if fig.target is not None:
        return f.subject or "", f"at {q}{n} against a target of {format_en(fig.target)}"
    return f.subject or "", f"at {q}{n}"


def _first_subject(subj: str, pred: str, counts: frozenset[str] | set[str]) -> str:
    """The subject a sentence opens with, as English says it: 'the number of Party members admitted', 'the total
    number of models' (not 'models in total stood at'), 'the share of ...' (a share takes its article)."""
    if not pred.startswith("at "):
        return subj
    if subj.endswith(" in total") and subj in counts:
        return f"the total number of {subj.removesuffix(' in total')}"
    if subj in counts:
        return f"the number of {subj}"
    return f"the {subj}" if re.match(r"(?:share|number|rate|ratio|proportion) of ", subj) else subj


def _sentence(phrases: list[tuple[str, str]], counts: frozenset[str] | set[str] = frozenset()) -> str:
    """One English clause from (subject, predicate) pairs; a change right after the figure it is the change of
    is said as 'up/down N' of that figure ('Total production value stood at 2,709 billion VND, up 7.5%'). A first
    subject in `counts` (things counted) is said as a number ('The number of Party members admitted stood at 144')."""
    parts: list[str] = []
    last_subject = None
    for k, (subj, pred) in enumerate(phrases):
        verb = pred.split(" ", 1)[0]
        if verb in ("grew", "fell") and subj == last_subject and parts:
            parts[-1] += f", {'up' if verb == 'grew' else 'down'} {pred.split(' ', 1)[1]}"
            continue
        if (m := re.fullmatch(r"share of the (plan|target) reached", subj)) and parts and pred.startswith("at "):
            parts[-1] += f", reaching {pred.removeprefix('at ')} of the {m.group(1)}"  # the share of the figure before it
            continue
        if not parts:
            said = _first_subject(subj, pred, counts)
            parts.append(f"{said} {'stood ' + pred if pred.startswith('at ') else pred}")
        else:
            parts.append(f"{subj} {pred}")
        last_subject = subj
    first, *rest = parts
    return first + ((", " if len(rest) > 1 else " and ") + join_and(rest) if rest else "")


def figure_positions(doc: Document, record: Record) -> list[tuple[Figure, int]]:
    """(figure, offset of its raw number in its paragraph) for the record's body figures (toolkit.figure_en.positions)."""
    from ..figure_en import positions

    return [(f, i) for f, i in zip(record.figures, positions(doc, record.figures))
            if i is not None and is_body(doc, f.evidence.paragraph_id)]


def _figures(ctx: Ctx) -> list[_Fig]:
    from ..verify import chrome_problems

    doc = ctx.doc
    out: list[_Fig] = []
    for fig, i in figure_positions(doc, ctx.record):
        ev = fig.evidence
        para = doc.paragraph(ev.paragraph_id).text
        ss, se = sentence_of(para, i, i + len(fig.raw), semicolons=True)
        if chrome_problems(para[ss:se]):
            continue
        out.append(_Fig(fig=fig, pos=i, subject=ctx.glossary.subject("", fig.label_en), group=(ev.paragraph_id, ss, se),
                        cue=_cue(para, i, fig.label)))
    return out


def figure_facts(ctx: Ctx) -> list[Fact]:
    """Up to settings.max_figure_facts sentences, one per source clause, the clauses whose figures
    have English subjects first; in article order."""
    groups: dict[tuple[str, int, int], list[_Fig]] = {}
    for f in _figures(ctx):
        groups.setdefault(f.group, []).append(f)
    ranked = sorted(groups.items(), key=lambda kv: (-max(x.score for x in kv[1]) - min(1.5, 0.5 * (len(kv[1]) - 1)),
                                                     para_index(ctx.doc, kv[0][0]), kv[0][1]))
    facts = [f for key, members in ranked[:ctx.settings.max_figure_facts] if (f := _group_fact(ctx, key, members))]
    # a clause is stated once: one that another chosen clause repeats in full (a sapo repeating the body) is dropped
    def words(f: Fact) -> str:
        return " ".join(re.findall(r"\w+", fold(f.vi)))

    facts = [f for i, f in enumerate(facts) if not any(
        j != i and words(f) in words(o) and (words(f) != words(o) or j < i) for j, o in enumerate(facts))]
    facts.sort(key=lambda fa: (para_index(ctx.doc, fa.citations[0].paragraph_id), fa.citations[0].start))
    return facts


def _stated(figs: list[_Fig], limit: int) -> list[_Fig]:
    """The figures an English sentence states: up to `limit`, not counting a change or a share of a plan that
    follows the figure it belongs to (said as ', up N' / ', reaching N of the plan'); never a leading share."""
    out: list[_Fig] = []
    primary = 0
    for x in figs:
        ch = change_of(x.subject)
        attached = bool(out) and ((ch is not None and change_of(out[-1].subject) is None and ch[0] == out[-1].subject)
                                  or bool(re.fullmatch(r"share of the (?:plan|target) reached", x.subject or "")))
        if not out and (x.subject or "").startswith("share of the"):
            continue  # a share of a plan needs the figure it is of
        if not attached:
            if primary >= limit:
                break
            primary += 1
        out.append(x)
    return out


def _group_fact(ctx: Ctx, key: tuple[str, int, int], grp: list[_Fig]) -> Fact | None:
    doc = ctx.doc
    pid, cs, ce = key
    para = doc.paragraph(pid).text
    grp = sorted(grp, key=lambda x: x.pos)
    s, e = cs, ce
    if e - s > ctx.settings.max_vi_chars:  # a long clause: from just before the first figure
        s = max(cs, min(x.fig.evidence.start for x in grp))
        s, e = trim_span(para, s, ce, ctx.settings.max_vi_chars)
    inside = [x for x in grp if s <= x.pos < e]
    ev = evidence(doc, pid, s, e)
    if ev is None or not inside:
        return None
    vi = vi_clause(ev.quote)
    targets = all(x.fig.kind == "target" for x in inside)
    own = next((x.fig.period for x in inside if x.fig.period), None)
    timed = bool(re.match(r"\s*(?:(?:trong|qua|đến|năm|quý|giai đoạn|nhiệm kỳ|tháng)\s|\d+\s+tháng)", fold(vi)))
    # only the figure's own period (from the record) is added: the meeting's period need not be the clause's
    # ("từ đầu năm đến nay" in a paragraph of a third-quarter briefing)
    per_vi = own
    occasion = re.search(r"nhân dịp|dịp này|tại hội nghị|tại buổi", fold(vi))  # said at the meeting, not in the period
    if per_vi and not timed and not occasion and fold(per_vi) not in fold(vi):
        vi = f"Trong {per_vi}, " + vi[:1].lower() + vi[1:]

    stated = _stated([x for x in inside if x.subject], ctx.settings.max_figures_per_fact)
    values = [v for x in stated for v in (x.fig.value, x.fig.target) if v is not None]
    en = ""
    if stated:
        phrases = [_phrase(ctx, x, para) for x in stated]
        lead_time = re.match(r"\s*([^,]{3,40}?)\s*,", vi) if timed else None  # "Trong năm 2023, ..." says its own time
        per = period_en(per_vi) or (period_en(lead_time.group(1)) if lead_time and not own else None)
        if targets:
            en = f"The targets{f' for {per}' if per else ''} include " + "; ".join(
                f"{subj}: {pred.removeprefix('at ')}" if pred.startswith("at ") else f"{subj} {pred}" for subj, pred in phrases)
        else:
            counts = {subj for subj, pred in phrases if ctx.glossary.names_counted(subj) and "%" not in pred
                      and not re.match(r"share of|growth in|decline in", subj)}
            en = (f"In {per}, " if per else "") + _sentence(phrases, counts)
            en = en[:1].upper() + en[1:]
        en = end(en)
    return Fact(key=f"fig:{pid}:{s}", vi=vi, en=en, citations=[ev], key_values=values, en_ok=bool(en))


# --- documents and awards ---------------------------------------------------------------------------


def documents_fact(ctx: Ctx) -> Fact | None:
    """The documents the article cites (used when it states few figures)."""
    doc, g = ctx.doc, ctx.glossary
    refs = [d for d in ctx.record.documents if is_body(doc, d.evidence.paragraph_id)]
    if not refs:
        return None
    pid = refs[0].evidence.paragraph_id
    para = doc.paragraph(pid).text
    s, e = sentence_of(para, refs[0].evidence.start, refs[0].evidence.start, semicolons=True)
    s, e = trim_span(para, s, e, ctx.settings.max_vi_chars)
    ev = evidence(doc, pid, s, e)
    if ev is None:
        return None
    inside = [d for d in refs if d.evidence.paragraph_id == pid and d.code in ev.quote]
    parts = []
    for d in inside:
        t = g.lookup(d.type) if d.type else None
        issuer = g.org(d.issuer) if d.issuer else None
        parts.append((t.en + " " if t else "") + d.code + (f" of the {issuer}" if issuer else ""))
    if not parts:
        return None
    noun = ctx.events.noun_en[ctx.event_type]
    return Fact(key="documents", vi=vi_clause(ev.quote), en=end(f"The {noun} referred to {join_and(parts)}"),
                citations=[ev], keep=[d.code for d in inside])


def award_fact(ctx: Ctx) -> Fact | None:
    from ..vi.number_spans import find_numbers

    doc, g = ctx.doc, ctx.glossary
    awards = [a for a in ctx.record.awards if is_body(doc, a.evidence.paragraph_id)]
    if not awards:
        return None
    pid = awards[0].evidence.paragraph_id
    awards = [a for a in awards if a.evidence.paragraph_id == pid]
    para = doc.paragraph(pid).text
    limit = ctx.settings.max_vi_chars
    s, e = awards[0].evidence.start, max(a.evidence.end for a in awards)
    ss, _ = sentence_of(para, s, s, semicolons=False)
    s = ss if s - ss <= 70 else s
    _, se = sentence_of(para, e - 1, e - 1, semicolons=False)
    e = se if se - e <= 50 or se - s <= limit else e
    if e - s > limit + 60:
        e, awards = awards[0].evidence.end, awards[:1]
    ev = evidence(doc, pid, s, e)
    if ev is None:
        return None
    parts: list[tuple[str, str]] = []
    values: list[float] = []
    for a in awards:
        term = g.lookup(a.name)
        rec = g.translate(a.recipients) if a.recipients else None
        if term is None or rec is None or not rec.ok or rec.names:
            continue
        nums = [sp for sp in find_numbers(a.recipients) if sp.kind == "number"]
        one = len(nums) == 1 and nums[0].value == 1
        parts.append((term.sg if one and term.sg else term.en, rec.text))
        values.extend(sp.value for sp in nums)
    if not parts:
        return Fact(key="awards", vi=vi_clause(ev.quote), en="", citations=[ev], en_ok=False)
    if len(parts) == 1:
        en = f"{parts[0][0][:1].upper() + parts[0][0][1:]} were awarded to {parts[0][1]}"
    else:
        en = "The awards presented included " + "; ".join(f"{a} to {r}" for a, r in parts[:-1]) + f"; and {parts[-1][0]} to {parts[-1][1]}"
    return Fact(key="awards", vi=vi_clause(ev.quote), en=end(en), citations=[ev], key_values=values)
