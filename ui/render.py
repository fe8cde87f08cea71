"""HTML and Markdown rendering for the UI. Every piece of article text goes through `esc`.

No article HTML is ever rendered: titles, paragraphs, quotes, names and labels are escaped with
html.escape before they are put into any HTML string. Only the markup written here is live.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable

from toolkit.schemas import Citation, Document, Record, Summary


def esc(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def md_esc(s: str) -> str:
    """Text for a Markdown component (the chatbot): HTML escaped, and Markdown link/emphasis syntax neutralised."""
    s = html.escape(s or "", quote=True)
    return re.sub(r"([\\`*_\[\]()#!|<>~])", r"\\\1", s)


def md_unesc(s: str) -> str:
    """The text md_esc was given (the chat history holds user turns escaped)."""
    return html.unescape(re.sub(r"\\([\\`*_\[\]()#!|<>~])", r"\1", s or ""))


def fmt_num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def table(headers: list[str], rows: Iterable[Iterable[Any]], cls: str = "tk-table", raw_cols: set[int] | None = None) -> str:
    """An HTML table; every cell escaped unless its column index is in raw_cols (markup built here)."""
    raw_cols = raw_cols or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f"<td>{c if i in raw_cols else esc(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}"><em>none</em></td></tr>')
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


# --- citations -------------------------------------------------------------------------------


def quote_span(text: str, quote: str, start: int = 0, end: int = 0) -> tuple[int, int] | None:
    """Where the supporting quote is in the paragraph text: the given offsets when they match, else a search."""
    if quote and 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    if not quote:
        return (start, end) if 0 <= start < end <= len(text) else None
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    try:
        from toolkit.textnorm import locate

        return locate(text, quote)
    except Exception:  # noqa: BLE001 - textnorm optional: no highlight rather than a wrong one
        return None


def highlight(text: str, span: tuple[int, int] | None) -> str:
    """Escaped text with the span wrapped in <mark>."""
    if span is None:
        return esc(text)
    a, b = span
    return f"{esc(text[:a])}<mark>{esc(text[a:b])}</mark>{esc(text[b:])}"


def doc_meta(doc: Document | None, record: Record | None) -> dict[str, str]:
    title = (record.title if record and record.title else None) or (doc.title if doc else "")
    day = ""
    if record is not None and record.date:
        day = record.date.isoformat()
    elif doc is not None and doc.published:
        day = doc.published.date().isoformat()
    province = (record.province if record else None) or ""
    return {"title": title, "date": day, "province": province}


def citation_label(i: int, c: Citation | dict, doc: Document | None = None) -> str:
    doc_id = c["doc_id"] if isinstance(c, dict) else c.doc_id
    pid = c["paragraph_id"] if isinstance(c, dict) else c.paragraph_id
    title = (doc.title if doc else "")[:60]
    return f"[{i}] {doc_id} · {pid}" + (f" — {title}" if title else "")


def render_citation(citation: Citation, doc: Document | None, record: Record | None = None) -> str:
    """The source paragraph of a citation, the supporting sentence in <mark>, with title, date, province."""
    meta = doc_meta(doc, record)
    text = citation.text
    if doc is not None:
        try:
            text = doc.paragraph(citation.paragraph_id).text or text
        except KeyError:
            pass
    span = quote_span(text, citation.quote, citation.start, citation.end)
    rows = [
        ("Title", meta["title"] or "(unknown)"),
        ("Date", meta["date"] or "(not stated)"),
        ("Province", meta["province"] or "(not stated)"),
        ("Source", f"{citation.doc_id} / {citation.paragraph_id}"),
    ]
    head = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    missing = "" if span else '<p class="tk-note">(the supporting sentence could not be located in this paragraph)</p>'
    return (f'<div class="tk-citation"><table class="tk-meta">{head}</table>'
            f'<blockquote class="tk-para">{highlight(text, span)}</blockquote>{missing}</div>')


ABSTAIN_PREFIX = "**No answer in the articles.** "


def answer_markdown(answer_text: str, abstained: bool, n_citations: int) -> str:
    """The chatbot message for an answer: escaped text, abstention said plainly, citation markers."""
    body = md_esc(answer_text)
    if abstained:
        return ABSTAIN_PREFIX + (body or "I could not find this in the ingested articles, so I do not answer.")
    if n_citations:
        body += "\n\nSources: " + " ".join(f"\\[{i}\\]" for i in range(1, n_citations + 1))
    return body


# --- library ----------------------------------------------------------------------------------


def _ev(ev) -> str:
    return f"{ev.paragraph_id}: “{ev.quote}”" if ev else ""


def render_record(record: Record | None, doc_id: str = "") -> str:
    if record is None:
        return (f'<p class="tk-note">No record extracted yet for {esc(doc_id)}: press “Extract record”, '
                f'or run <code>toolkit extract {esc(doc_id)}</code>.</p>')
    meta = table(["Field", "Value"], [
        ("Title", record.title), ("Date", record.date.isoformat() if record.date else ""),
        ("Province", record.province or ""), ("Organisation", record.organization or ""),
        ("Event", record.event_type), ("Period", record.period or ""),
        ("Model", f"{record.model} {record.prompt_version}".strip()),
    ])
    people = table(["Name", "Title", "Role", "Evidence"],
                   [(p.name, p.title, p.role, _ev(p.evidence)) for p in record.people])
    figures = table(["Label", "Kind", "Value", "Target", "% of target", "Raw", "Unit", "Period", "Evidence"], [
        (f.label, f.kind, fmt_num(f.value), fmt_num(f.target),
         fmt_num(round(f.value / f.target * 100, 2)) if f.target else "", f.raw, f.unit, f.period or "", _ev(f.evidence))
        for f in record.figures])
    docs = table(["Code", "Type", "Issuer", "Date", "Evidence"],
                 [(d.code, d.type, d.issuer or "", d.date or "", _ev(d.evidence)) for d in record.documents])
    return (f'<div class="tk-record">{meta}<h4>People</h4>{people}<h4>Figures (targets against results)</h4>{figures}'
            f'<h4>Documents cited</h4>{docs}</div>')


def render_summaries(summary: Summary | None, doc_id: str = "") -> str:
    if summary is None:
        return f'<p class="tk-note">No summary yet: run <code>toolkit summarize {esc(doc_id)}</code>.</p>'

    def col(lang: str, sentences) -> str:
        items = "".join(
            f"<li>{esc(s.text)} <span class=\"tk-refs\">{esc(' '.join('[' + c.paragraph_id + ']' for c in s.citations))}</span></li>"
            for s in sentences)
        return f'<div class="tk-col"><h4>{esc(lang)}</h4><ul>{items}</ul></div>'

    return f'<div class="tk-cols">{col("Tiếng Việt", summary.summary_vi)}{col("English", summary.summary_en)}</div>'


def render_document(doc: Document | None) -> str:
    if doc is None:
        return '<p class="tk-note">Select an article.</p>'
    rows = "".join(
        f'<tr class="tk-{esc(p.kind)}"><td class="tk-pid">{esc(p.paragraph_id)}</td><td class="tk-kind">{esc(p.kind)}</td>'
        f"<td>{esc(p.text)}</td></tr>" for p in doc.paragraphs)
    head = f"<h3>{esc(doc.title)}</h3><p class=\"tk-note\">{esc(doc.doc_id)} · {esc(doc.published or '')} · {esc(doc.author or '')}</p>"
    return f'<div class="tk-doc">{head}<table class="tk-table">{rows}</table></div>'


# --- targets ----------------------------------------------------------------------------------


def targets_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    return [[r["organisation"], r["period"], r["label"], r["unit"], fmt_num(r["target"]), fmt_num(r["result"]),
             fmt_num(r["percent"]) + ("%" if r["percent"] is not None else ""), r["target_ref"], r["result_ref"]]
            for r in rows]


TARGET_HEADERS = ["Organisation", "Period", "Label", "Unit", "Target", "Result", "% of target", "Target evidence", "Result evidence"]


def targets_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ('<p class="tk-note">No targets yet: they come from the records\' figures. Ingest articles and run '
                '<code>toolkit extract</code>.</p>')
    return table(TARGET_HEADERS, targets_rows(rows))


def targets_svg(rows: list[dict[str, Any]], width: int = 720) -> str:
    """A grouped bar chart (target grey, result blue) as inline SVG; labels escaped."""
    rows = [r for r in rows if r["target"] is not None][:30]
    if not rows:
        return ""
    bar_h, gap, left = 12, 10, 300
    h = len(rows) * (2 * bar_h + gap) + 30
    vmax = max(max(r["target"] or 0, r["result"] or 0) for r in rows) or 1
    scale = (width - left - 60) / vmax
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" class="tk-chart" role="img" aria-label="targets against results">']
    y = 10
    for r in rows:
        name = f"{r['organisation'][:28]} · {r['label'][:24]} {r['period'][:14]}"
        parts.append(f'<text x="{left - 6}" y="{y + bar_h + 3}" text-anchor="end" font-size="11">{esc(name)}</text>')
        tw = r["target"] * scale
        parts.append(f'<rect x="{left}" y="{y}" width="{tw:.1f}" height="{bar_h}" fill="#b0b7c3"><title>{esc("target " + fmt_num(r["target"]) + " — " + r["target_ref"])}</title></rect>')
        parts.append(f'<text x="{left + tw + 4:.1f}" y="{y + bar_h - 2}" font-size="10">{esc(fmt_num(r["target"]))}</text>')
        if r["result"] is not None:
            rw = r["result"] * scale
            parts.append(f'<rect x="{left}" y="{y + bar_h}" width="{rw:.1f}" height="{bar_h}" fill="#2f6fde"><title>{esc("result " + fmt_num(r["result"]) + " — " + r["result_ref"])}</title></rect>')
            pct = f" ({fmt_num(r['percent'])}%)" if r["percent"] is not None else ""
            parts.append(f'<text x="{left + rw + 4:.1f}" y="{y + 2 * bar_h - 2}" font-size="10">{esc(fmt_num(r["result"]) + pct)}</text>')
        y += 2 * bar_h + gap
    parts.append(f'<text x="{left}" y="{h - 4}" font-size="10" fill="#555">grey: target · blue: result</text></svg>')
    return "".join(parts)


# --- evals ------------------------------------------------------------------------------------


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, (dict, list)):
        import json

        return json.dumps(v, ensure_ascii=False)[:300]
    return "" if v is None else str(v)


def _bars(metrics: dict[str, Any]) -> str:
    """Tiny inline bars for metrics in [0, 1]."""
    vals = [(k, v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1]
    if not vals:
        return ""
    h = 18 * len(vals) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="420" height="{h}" class="tk-chart">']
    for i, (k, v) in enumerate(vals):
        y = 4 + 18 * i
        parts.append(f'<text x="150" y="{y + 11}" text-anchor="end" font-size="11">{esc(k)}</text>'
                     f'<rect x="156" y="{y}" width="200" height="13" fill="#eef0f3"/>'
                     f'<rect x="156" y="{y}" width="{200 * v:.1f}" height="13" fill="#2f6fde"/>'
                     f'<text x="362" y="{y + 11}" font-size="11">{v:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_eval_report(report: dict | None) -> str:
    if report is None:
        return ('<p class="tk-note">No eval report yet. Produce one with <code>toolkit evals</code> '
                '(it writes <code>evals/reports/latest.json</code>), then press “Reload”.</p>')
    out = []
    meta = report.get("meta") or {}
    if isinstance(meta, dict) and meta:
        out.append("<h3>Run</h3>" + table(["Key", "Value"], [(k, _cell(v)) for k, v in meta.items()]))
    totals = report.get("totals") or {}
    if isinstance(totals, dict):
        for part, metrics in totals.items():
            if isinstance(metrics, dict):
                out.append(f"<h3>{esc(part)}: totals</h3>" + table(["Metric", "Value"], [(k, _cell(v)) for k, v in metrics.items()])
                           + _bars(metrics))
    items = report.get("items") or {}
    if isinstance(items, dict):
        for part, rows in items.items():
            if not isinstance(rows, list) or not rows:
                continue
            keys: list[str] = []
            for r in rows:
                if isinstance(r, dict):
                    keys += [k for k in r if k not in keys]
            body = [[_cell(r.get(k)) if isinstance(r, dict) else _cell(r) for k in keys] for r in rows[:500]]
            out.append(f"<details><summary>{esc(part)}: {len(rows)} items</summary>{table(keys or ['value'], body)}</details>")
    return '<div class="tk-evals">' + ("".join(out) or "<p>Empty report.</p>") + "</div>"


# --- ingest -----------------------------------------------------------------------------------


def render_ingest_results(results: list[dict[str, str]]) -> str:
    """results: [{name, status, detail}] — status is added/replaced/unchanged/error."""
    if not results:
        return '<p class="tk-note">No files.</p>'
    return table(["File", "Status", "Detail"], [(r["name"], r["status"], r.get("detail", "")) for r in results])


CSS = """
.tk-table { border-collapse: collapse; width: 100%; font-size: 13px; }
.tk-table th, .tk-table td { border: 1px solid #d0d4da; padding: 3px 6px; vertical-align: top; text-align: left; }
.tk-table th { background: #f3f4f6; }
.tk-meta th { text-align: left; padding-right: 10px; }
.tk-para { border-left: 4px solid #2f6fde; padding: 6px 10px; margin: 8px 0; background: #fafbfc; white-space: pre-wrap; }
.tk-para mark { background: #ffe066; padding: 0 1px; }
.tk-note { color: #555; font-style: italic; }
.tk-cols { display: flex; gap: 18px; } .tk-col { flex: 1; }
.tk-pid, .tk-kind { white-space: nowrap; color: #555; font-family: monospace; }
.tk-boilerplate td, .tk-byline td { color: #888; }
"""
