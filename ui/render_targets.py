"""The targets timeline as HTML: a table whose every value names its evidence, and two charts —
percentages on one 0–100 % scale, counts each on its own row scale (a count of 12 and one of
35,000 never share an axis). Every piece of text is escaped."""

from __future__ import annotations

from toolkit.vi.periods import period_key, period_label
from toolkit.targets import Cell, Row

from .i18n import t
from .render import esc, fmt_num, table


def evidence_label(cell: Cell, names: dict[str, str] | None = None) -> str:
    """'<article name> · p009 (doc/p009)' — what the evidence picker lists."""
    name = (names or {}).get(cell.doc_id, "")
    return f"{cell.ref}" + (f" — {name}" if name else "")


def evidence_refs(rows: list[Row]) -> list[str]:
    """Every evidence reference of the rows, in table order, once."""
    refs = []
    for r in rows:
        refs += [r.target.ref] + ([r.result.ref] if r.result else [])
    return list(dict.fromkeys(refs))


def _cell_html(cell: Cell | None, names: dict[str, str], extra: str = "") -> str:
    if cell is None:
        return '<span class="tk-note">—</span>'
    name = names.get(cell.doc_id, "")
    tip = f"{name} · {cell.paragraph_id}: {cell.quote}" if name else f"{cell.paragraph_id}: {cell.quote}"
    return (f'<span class="tk-val" title="{esc(tip)}">{esc(cell.raw or fmt_num(cell.value))}</span>{extra}'
            f'<br><span class="tk-ref">{esc(cell.ref)}</span>')


def period_text(period: str, lang: str) -> str:
    """A row's period in the interface language."""
    return period_label(period_key(period), lang) if period_key(period) else period


def targets_table(rows: list[Row], names: dict[str, str] | None = None, lang: str = "vi") -> str:
    names = names or {}
    if not rows:
        return f'<p class="tk-note">{esc(t("no_targets", lang))} <code>toolkit extract</code>.</p>'
    body = []
    for r in rows:
        res_extra = ""
        if r.result is not None and (r.partial or r.result.period != r.period):
            res_extra = f' <span class="tk-note">({esc(period_text(r.result.period, lang))}{", " + esc(t("partial", lang)) if r.partial else ""})</span>'
        pct = f"{fmt_num(r.percent)}%" if r.percent is not None else ""
        body.append([esc(r.organisation), esc(r.province), esc(r.indicator), esc(r.unit), esc(period_text(r.period, lang)),
                     _cell_html(r.target, names), _cell_html(r.result, names, res_extra), esc(pct)])
    headers = [t("organisation", lang), t("province", lang), t("indicator", lang), t("unit", lang), t("period", lang),
               t("target", lang), t("result", lang), t("pct", lang)]
    return table(headers, body, raw_cols=set(range(8)))


def _bar_rows(rows: list[Row], width: int, percent: bool, lang: str) -> str:
    bar_h, gap, left = 12, 12, 330
    span = width - left - 90
    h = len(rows) * (2 * bar_h + gap) + 34
    title = t("chart_percent" if percent else "chart_count", lang)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" class="tk-chart" role="img" '
             f'aria-label="{esc(title)}"><text x="4" y="12" font-size="12" font-weight="bold">{esc(title)}</text>']
    y = 22
    for r in rows:
        top = 100.0 if percent else max(r.target.value, r.result.value if r.result else 0) or 1
        if percent:
            top = max(100.0, r.target.value, r.result.value if r.result else 0)
        name = f"{r.organisation[:40]} · {r.indicator[:30]} · {period_text(r.period, lang)}"
        parts.append(f'<text x="{left - 6}" y="{y + bar_h + 3}" text-anchor="end" font-size="11"><title>{esc(r.organisation)} · '
                     f'{esc(r.indicator)}</title>{esc(name)}</text>')
        for k, (cell, color) in enumerate(((r.target, "#b0b7c3"), (r.result, "#2f6fde"))):
            if cell is None:
                continue
            w = span * (cell.value / top if top else 0)
            yy = y + k * bar_h
            label = cell.raw or fmt_num(cell.value)
            if k == 1 and r.percent is not None:
                label += f" ({fmt_num(r.percent)}%)"
            parts.append(f'<rect x="{left}" y="{yy}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}">'
                         f'<title>{esc(cell.ref + ": " + cell.quote)}</title></rect>'
                         f'<text x="{left + w + 4:.1f}" y="{yy + bar_h - 2}" font-size="10">{esc(label)}</text>')
        y += 2 * bar_h + gap
    parts.append(f'<text x="{left}" y="{h - 4}" font-size="10" fill="#555">{esc(t("legend", lang))}</text></svg>')
    return "".join(parts)


def targets_charts(rows: list[Row], lang: str = "vi", width: int = 760, limit: int = 30) -> str:
    """Two charts: rows whose indicator is a percentage, and rows that count things."""
    pct = [r for r in rows if r.scale == "percent"][:limit]
    cnt = [r for r in rows if r.scale != "percent"][:limit]
    return "".join(_bar_rows(rs, width, rs is pct, lang) for rs in (pct, cnt) if rs)
