"""The targets-vs-results timeline, pure over records: for each organisation and indicator, the
target set for a period next to the result later reported for that period, each side naming its
evidence (doc id, paragraph id, quote).

- A figure written "152/150" (Figure.target set) is one row: result 152 against target 150.
- A figure of kind 'target' is set for its own period: Figure.period, else a period written in its
  evidence quote ("năm 2022 phấn đấu kết nạp 40 đảng viên"); never the period the article reviews
  (a year-end review sets next year's targets). A target with no period stays unmatched.
- A result (kind 'result' or 'count') is for Figure.period, a period in its quote, else the period
  its record reviews.
- One indicator: the labels share enough folded words (target/result words removed) and the units
  are the same, on the same scale (percent or count). One organisation: the names share enough
  words and the provinces do not differ.
- The result beside a target is the one for the same period (latest article first); failing that,
  one for a part of it (the first 6 months of the target's year), flagged partial.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Iterable

from .schemas import Figure, Record
from .vi.text import fold, strip_marks
from .vi.periods import find_periods, period_key, period_label, within

# words saying "this is a target / a result", not what is counted (folded, unmarked)
_NOISE = set("""chi tieu ke hoach muc phan dau dat ket qua thuc hien so voi nam giao duoc de ra
target targets result results of the planned achieved plan goal""".split())


def _words(s: str) -> set[str]:
    return {w for w in re.findall(r"[^\W_]+", strip_marks(fold(s or ""))) if not w.isdigit()}


def indicator_words(label: str) -> set[str]:
    """What is counted, as folded unmarked words without target/result words and numbers."""
    return _words(label) - _NOISE


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def scale(fig: Figure) -> str:
    return "percent" if fig.unit.strip() == "%" or fig.raw.strip().endswith("%") else "count"


@dataclass
class Cell:
    value: float
    raw: str
    period: str
    doc_id: str
    paragraph_id: str
    quote: str
    day: date | None

    @property
    def ref(self) -> str:
        return f"{self.doc_id}/{self.paragraph_id}"


@dataclass
class Row:
    organisation: str
    province: str
    indicator: str
    unit: str
    scale: str  # 'percent' or 'count'
    period: str  # the target's period, readable
    target: Cell
    result: Cell | None = None
    partial: bool = False  # the result covers only part of the target's period

    @property
    def percent(self) -> float | None:
        if self.result is None or not self.target.value:
            return None
        return round(self.result.value / self.target.value * 100, 2)


@dataclass
class _Fig:
    rec: Record
    fig: Figure
    key: tuple[int, str] | None
    words: set[str]
    org: set[str]


def _cell(rec: Record, fig: Figure, key, value: float | None = None) -> Cell:
    ev = fig.evidence
    raw = fig.raw if value is None else f"{value:g}"  # a "152/150" ratio: the target side is its second number
    return Cell(value=fig.value if value is None else value, raw=raw, period=period_label(key), doc_id=ev.doc_id,
                paragraph_id=ev.paragraph_id, quote=ev.quote, day=rec.date)


def _quote_period(fig: Figure) -> tuple[int, str] | None:
    found = find_periods(fig.evidence.quote)
    return period_key(found[0][0]) if found else None


def _org(rec: Record) -> str:
    return rec.organization or rec.title


def _same_org(a: _Fig, b: _Fig, min_sim: float) -> bool:
    pa, pb = fold(a.rec.province or ""), fold(b.rec.province or "")
    if pa and pb and pa != pb:
        return False
    return similarity(a.org, b.org) >= min_sim


def _same_indicator(t: _Fig, r: _Fig, min_sim: float) -> bool:
    if scale(t.fig) != scale(r.fig):
        return False
    ut, ur = fold(t.fig.unit.strip()), fold(r.fig.unit.strip())
    if ut and ur and ut != ur:
        return False
    return similarity(t.words, r.words) >= min_sim


def build_timeline(records: Iterable[Record], *, label_similarity: float = 0.5, org_similarity: float = 0.75) -> list[Row]:
    """Target rows with the result reported for their period beside them, sorted by organisation,
    indicator and period."""
    rows: list[Row] = []
    targets: list[_Fig] = []
    results: list[_Fig] = []
    for rec in records:
        org_words = _words(_org(rec))
        for fig in rec.figures:
            own = period_key(fig.period) or _quote_period(fig)
            item = _Fig(rec, fig, own, indicator_words(fig.label), org_words)
            if fig.target is not None:
                key = own or period_key(rec.period)
                rows.append(Row(_org(rec), rec.province or "", fig.label, fig.unit, scale(fig), period_label(key),
                                target=_cell(rec, fig, key, fig.target), result=_cell(rec, fig, key)))
            elif fig.kind == "target":
                targets.append(item)
            elif fig.kind in ("result", "count", "rate"):
                item.key = own or period_key(rec.period)
                results.append(item)
    for t in targets:
        row = Row(_org(t.rec), t.rec.province or "", t.fig.label, t.fig.unit, scale(t.fig), period_label(t.key),
                  target=_cell(t.rec, t.fig, t.key))
        if t.key is not None:
            same = [r for r in results if r.key is not None and _same_org(t, r, org_similarity)
                    and _same_indicator(t, r, label_similarity)]
            full = [r for r in same if r.key == t.key]
            part = [r for r in same if r.key != t.key and within(r.key, t.key)]
            latest = lambda rs: max(rs, key=lambda r: (r.rec.date or date.min, r.key[1]))  # noqa: E731
            if full:
                r = latest(full)
            elif part:
                r = max(part, key=lambda r: (int(re.sub(r"\D", "", r.key[1]) or 0), r.rec.date or date.min))
                row.partial = True
            else:
                r = None
            if r is not None:
                row.result = _cell(r.rec, r.fig, r.key)
        rows.append(row)
    rows.sort(key=lambda r: (fold(r.organisation), fold(r.indicator), period_key(r.period) or (0, "")))
    return rows


def filter_rows(rows: list[Row], province: str | None = None, organisation: str | None = None) -> list[Row]:
    """Rows of one province and/or organisation (folded; an organisation matches on its words)."""
    out = rows
    if province:
        out = [r for r in out if fold(r.province) == fold(province)]
    if organisation:
        want = _words(organisation)
        out = [r for r in out if want <= _words(r.organisation)]
    return out


CSV_FIELDS = ["organisation", "province", "indicator", "unit", "scale", "period", "target", "target_raw", "target_evidence",
              "target_quote", "result", "result_raw", "result_period", "result_evidence", "result_quote", "percent", "partial"]


def to_csv(rows: list[Row]) -> str:
    """The timeline as CSV (one line a target; evidence as doc_id/paragraph_id and the quote)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        res = r.result
        w.writerow({"organisation": r.organisation, "province": r.province, "indicator": r.indicator, "unit": r.unit,
                    "scale": r.scale, "period": r.period, "target": r.target.value, "target_raw": r.target.raw,
                    "target_evidence": r.target.ref, "target_quote": r.target.quote,
                    "result": "" if res is None else res.value, "result_raw": "" if res is None else res.raw,
                    "result_period": "" if res is None else res.period, "result_evidence": "" if res is None else res.ref,
                    "result_quote": "" if res is None else res.quote,
                    "percent": "" if r.percent is None else r.percent, "partial": r.partial})
    return buf.getvalue()


def as_dict(row: Row) -> dict:
    out = asdict(row)
    out["percent"] = row.percent
    return out
