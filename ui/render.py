"""HTML and Markdown rendering for the UI. Every piece of article text goes through `esc`.

No article HTML is ever rendered: titles, paragraphs, quotes, names and labels are escaped with
html.escape before they are put into any HTML string. Only the markup written here is live.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable

from toolkit.schemas import Citation, Document, Record, Summary

from .i18n import EVENT_TYPES, KINDS, ROLES, t, term


def esc(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def md_esc(s: str) -> str:
    """Text for a Markdown component (the chatbot): HTML escaped, and Markdown link/emphasis syntax neutralised."""
    s = html.escape(s or "", quote=False)  # quotes are plain text in Markdown; an entity's '#' would be escaped
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
        body.append(f'<tr><td colspan="{len(headers)}"><em>—</em></td></tr>')
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
        from toolkit.vi.text import locate

        return locate(text, quote)
    except Exception:  # noqa: BLE001 - toolkit.vi.text optional: no highlight rather than a wrong one
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


def article_name(doc: Document | None, record: Record | None = None, doc_id: str = "", width: int = 70) -> str:
    """A readable article name: its title (shortened) and date; the id only when nothing else is known."""
    meta = doc_meta(doc, record)
    title = meta["title"].strip() or doc_id
    if len(title) > width:
        title = title[: width - 1].rsplit(" ", 1)[0] + "…"
    return f"{title} ({meta['date']})" if meta["date"] else title


def citation_label(i: int, c: Citation | dict, doc: Document | None = None, lang: str = "vi", record: Record | None = None) -> str:
    doc_id = c["doc_id"] if isinstance(c, dict) else c.doc_id
    pid = c["paragraph_id"] if isinstance(c, dict) else c.paragraph_id
    return f"[{i}] {article_name(doc, record, doc_id, 60)} · {t('paragraph', lang)} {pid}"


def render_citation(citation: Citation, doc: Document | None, record: Record | None = None, lang: str = "vi") -> str:
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
        (t("title", lang), meta["title"] or t("unknown", lang)),
        (t("date", lang), meta["date"] or t("not_stated", lang)),
        (t("province", lang), meta["province"] or t("not_stated", lang)),
        (t("source", lang), f"{t('paragraph', lang)} {citation.paragraph_id} · {citation.doc_id}"),
    ]
    head = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    missing = "" if span else f'<p class="tk-note">{esc(t("quote_missing", lang))}</p>'
    return (f'<div class="tk-citation"><table class="tk-meta">{head}</table>'
            f'<blockquote class="tk-para">{highlight(text, span)}</blockquote>{missing}</div>')


def abstain_prefix(lang: str = "vi") -> str:
    return f"**{t('abstain_lead', lang)}** "


ABSTAIN_PREFIX = abstain_prefix("en")


def _marker(i: int) -> str:
    return f"\\[{i}\\]"


def cite_inline(answer_text: str, citations: list[Citation]) -> str:
    """Markdown of the answer with [n] after each sentence, n the citations whose quote shares the
    most words with it; a citation no sentence took is marked at the end. Text escaped."""
    from toolkit.vi.text import sentence_spans, syllables

    spans = sentence_spans(answer_text) or [(0, len(answer_text))]
    quotes = [set(syllables(c.quote or c.text)) for c in citations]
    used: set[int] = set()
    out, pos = [], 0
    for a, b in spans:
        words = set(syllables(answer_text[a:b]))
        shares = [len(words & q) / max(1, len(words)) for q in quotes]
        best = max(shares, default=0.0)
        marks = [i for i, s in enumerate(shares) if best > 0 and s >= max(0.3, best * 0.6)]
        used.update(marks)
        end = b
        while end > a and answer_text[end - 1] in ".!?…;:":
            end -= 1
        out.append(md_esc(answer_text[pos:end]) + "".join(" " + _marker(i + 1) for i in marks) + md_esc(answer_text[end:b]))
        pos = b
    out.append(md_esc(answer_text[pos:]))
    rest = [i for i in range(len(citations)) if i not in used]
    text = "".join(out)
    return text + ("".join(" " + _marker(i + 1) for i in rest) if rest else "")


def answer_markdown(answer_text: str, abstained: bool, citations: list[Citation] | int = (), lang: str = "vi") -> str:
    """The chatbot message for an answer: escaped text with a marker after each claim, abstention
    said plainly in the answer's language."""
    if abstained:
        return abstain_prefix(lang) + (md_esc(answer_text) or t("abstain_body", lang))
    if isinstance(citations, int):  # a count only: markers at the end
        return md_esc(answer_text) + ("".join(" " + _marker(i) for i in range(1, citations + 1)))
    return cite_inline(answer_text, list(citations)) if citations else md_esc(answer_text)


# --- library ----------------------------------------------------------------------------------


def _ev(ev) -> str:
    return f"{ev.paragraph_id}: “{ev.quote}”" if ev else ""


def render_record(record: Record | None, doc_id: str = "", lang: str = "vi") -> str:
    if record is None:
        return f'<p class="tk-note">{esc(t("no_record", lang))} <code>toolkit extract {esc(doc_id)}</code>.</p>'
    meta = table([t("field", lang), t("value", lang)], [
        (t("title", lang), record.title), (t("date", lang), record.date.isoformat() if record.date else ""),
        (t("province", lang), record.province or ""), (t("organisation", lang), record.organization or ""),
        (t("event", lang), term(EVENT_TYPES, record.event_type, lang)), (t("period", lang), record.period or ""),
    ])
    people = table([t("name", lang), t("position", lang), t("role", lang), t("evidence", lang)],
                   [(p.name, p.title, term(ROLES, p.role, lang), _ev(p.evidence)) for p in record.people])
    figures = table([t("label", lang), t("kind", lang), t("value", lang), t("target", lang), t("pct_target", lang), t("raw", lang),
                     t("unit", lang), t("period", lang), t("evidence", lang)], [
        (f.label, term(KINDS, f.kind, lang), fmt_num(f.value), fmt_num(f.target),
         fmt_num(round(f.value / f.target * 100, 2)) if f.target else "", f.raw, f.unit, f.period or "", _ev(f.evidence))
        for f in record.figures])
    docs = table([t("code", lang), t("type", lang), t("issuer", lang), t("date", lang), t("evidence", lang)],
                 [(d.code, d.type, d.issuer or "", d.date or "", _ev(d.evidence)) for d in record.documents])
    return (f'<div class="tk-record">{meta}<h4>{esc(t("people", lang))}</h4>{people}<h4>{esc(t("figures", lang))}</h4>{figures}'
            f'<h4>{esc(t("documents_cited", lang))}</h4>{docs}</div>')


def render_summaries(summary: Summary | None, doc_id: str = "", lang: str = "vi") -> str:
    if summary is None:
        return f'<p class="tk-note">{esc(t("no_summary", lang))} <code>toolkit summarize {esc(doc_id)}</code>.</p>'

    def col(name: str, sentences) -> str:
        items = "".join(
            f"<li>{esc(s.text)} <span class=\"tk-refs\">{esc(' '.join('[' + c.paragraph_id + ']' for c in s.citations))}</span></li>"
            for s in sentences)
        return f'<div class="tk-col"><h4>{esc(name)}</h4><ul>{items}</ul></div>'

    cols = [("Tiếng Việt", summary.summary_vi), ("English", summary.summary_en)]
    if lang == "en":
        cols.reverse()
    return '<div class="tk-cols">' + "".join(col(n, s) for n, s in cols) + "</div>"


def render_document(doc: Document | None, lang: str = "vi") -> str:
    if doc is None:
        return f'<p class="tk-note">{esc(t("select_article", lang))}</p>'
    rows = "".join(
        f'<tr class="tk-{esc(p.kind)}"><td class="tk-pid">{esc(p.paragraph_id)}</td><td class="tk-kind">{esc(p.kind)}</td>'
        f"<td>{esc(p.text)}</td></tr>" for p in doc.paragraphs)
    day = doc.published.date().isoformat() if doc.published else ""
    head = f"<h3>{esc(doc.title)}</h3><p class=\"tk-note\">{esc(day)} · {esc(doc.author or '')} · {esc(doc.doc_id)}</p>"
    return f'<div class="tk-doc">{head}<table class="tk-table">{rows}</table></div>'


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
#lib-table, #lib-table * { font-family: inherit; }
.tk-ref { color: #666; font-size: 11px; font-family: monospace; }
"""
